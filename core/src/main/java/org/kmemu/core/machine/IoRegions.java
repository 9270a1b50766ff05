package org.kmemu.core.machine;

import java.util.List;
import org.kmemu.api.LogLevel;

/**
 * The driver calls that claim ranges of the resource tree (include/linux/ioport.h, kernel/resource.c):
 * {@code request_mem_region}/{@code release_mem_region} in /proc/iomem's tree and, for x86's I/O ports,
 * {@code request_region}/{@code release_region} in /proc/ioports'. A claim is a busy resource nested under the
 * deepest unclaimed resource that holds it (a device's window, System RAM, Reserved); a claim that overlaps a
 * busy one is refused with NULL, as {@code __request_region} returns it.
 *
 * <p>The kernel's request_mem_region is silent on a refusal; the driver decides what to print. kmemu prints,
 * at KERN_ERR, the words kernel/resource.c's {@code devm_request_resource} uses for the same conflict,
 * {@code "resource collision: %pR conflicts with %s %pR"}, prefixed with the claimer's name as dev_err
 * prefixes the device, so that the holder is always seen. Releasing a range that is not claimed exactly
 * prints __release_region's {@code "Trying to free nonexistent resource <%pa-%pa>"} at KERN_WARNING.
 */
public final class IoRegions {
    /**
     * x86's legacy I/O port claims made at boot (arch/x86/kernel/setup.c, {@code standard_io_resources}), busy,
     * as /proc/ioports shows them on every PC.
     */
    private static final Object[][] X86_STANDARD_IO = {
        {"dma1", 0x00L, 0x1fL}, {"pic1", 0x20L, 0x21L}, {"timer0", 0x40L, 0x43L}, {"timer1", 0x50L, 0x53L},
        {"keyboard", 0x60L, 0x60L}, {"keyboard", 0x64L, 0x64L}, {"dma page reg", 0x80L, 0x8fL}, {"pic2", 0xa0L, 0xa1L},
        {"dma2", 0xc0L, 0xdfL}, {"fpu", 0xf0L, 0xffL},
    };

    private final Resource iomem;
    private final Resource ioports;
    private final KernelLogBuffer log;
    private final int paWidth;

    /**
     * @param iomem     the root of /proc/iomem's tree
     * @param x86       whether the machine is a PC: ports 0-0xffff (IO_SPACE_LIMIT) with the legacy claims;
     *                  elsewhere the port space is empty and unbounded (powerpc's IO_SPACE_LIMIT is ~0)
     * @param physBits  the physical address width: phys_addr_t is 64-bit above 32 bits, which %pa prints
     * @param log       the kernel log
     */
    IoRegions(Resource iomem, boolean x86, int physBits, KernelLogBuffer log) {
        this.iomem = iomem;
        this.ioports = new Resource("PCI IO", 0, x86 ? 0xffff : 0xffffffffL);
        if (x86) {
            for (Object[] r : X86_STANDARD_IO) {
                ioports.requestRegion((String) r[0], (Long) r[1], (Long) r[2]);
            }
        }
        this.log = log;
        this.paWidth = physBits > 32 ? 16 : 8;
    }

    /** @return the root of /proc/ioports' tree */
    public Resource ioports() {
        return ioports;
    }

    /**
     * {@code request_mem_region(start, n, name)}.
     *
     * @param start first physical address
     * @param n     bytes
     * @param name  the claimer
     * @return the claimed resource, or null if the range is busy (see the class comment for the message)
     */
    public Resource requestMemRegion(long start, long n, String name) {
        return request(iomem, start, n, name, false);
    }

    /**
     * {@code release_mem_region(start, n)}.
     *
     * @param start first physical address
     * @param n     bytes
     */
    public void releaseMemRegion(long start, long n) {
        release(iomem, start, n);
    }

    /**
     * {@code request_region(start, n, name)}: I/O ports.
     *
     * @param start first port
     * @param n     ports
     * @param name  the claimer
     * @return the claimed resource, or null if busy
     */
    public Resource requestRegion(long start, long n, String name) {
        return request(ioports, start, n, name, true);
    }

    /**
     * {@code release_region(start, n)}.
     *
     * @param start first port
     * @param n     ports
     */
    public void releaseRegion(long start, long n) {
        release(ioports, start, n);
    }

    private Resource request(Resource root, long start, long n, String name, boolean io) {
        if (n <= 0 || start + n - 1 < start) {
            return null; // __request_region: an empty or wrapping range fits nowhere
        }
        Resource res = new Resource(name, start, start + n - 1);
        Resource conflict;
        synchronized (this) {
            conflict = root.requestRegionConflict(res);
        }
        if (conflict == null) {
            return res;
        }
        log.printk(LogLevel.ERR, name + ": resource collision: " + res.pR(io) + " conflicts with " + conflict.name() + " "
                + conflict.pR(io));
        return null;
    }

    private void release(Resource root, long start, long n) {
        boolean done;
        synchronized (this) {
            done = root.releaseRegion(start, start + n - 1);
        }
        if (!done) {
            log.printk(LogLevel.WARNING, String.format("Trying to free nonexistent resource <0x%0" + paWidth + "x-0x%0" + paWidth + "x>",
                    start, start + n - 1));
        }
    }

    /** @return the busy claims in the tree under {@code root}, depth first (for tests and leak checks) */
    static List<Resource> claims(Resource root) {
        java.util.ArrayList<Resource> out = new java.util.ArrayList<>();
        for (Resource c : root.children()) {
            if (c.busy()) {
                out.add(c);
            }
            out.addAll(claims(c));
        }
        return out;
    }
}
