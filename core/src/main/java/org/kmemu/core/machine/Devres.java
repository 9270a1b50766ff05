package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelMemory;
import org.kmemu.core.kernel.IoRemap;
import org.kmemu.core.kernel.KernelWarning;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.mmu.Cpu;

/**
 * One device's managed resources: {@code struct device}'s devres list (drivers/base/devres.c) and the
 * {@code devm_*} calls a driver's probe makes on it. Each call that succeeds adds a node; when the driver
 * is unbound, or its probe fails, {@link #releaseAll} ({@code devres_release_all}) releases every node in
 * the reverse order of adding, so a driver never frees what it claimed with a devm call.
 *
 * <p><b>Memory.</b> {@code devm_kmalloc(size)} is one kmalloc of the devres header and the data behind it
 * ({@code alloc_dr}: {@code sizeof(struct devres) + size}); the driver gets the data's address. The header
 * is {@code struct devres_node} (a list_head, the release function, a name and a size: five pointer-sized
 * words) with {@code data[]} aligned to ARCH_DMA_MINALIGN, which x86 and the coherent e500 leave at
 * {@code __alignof__(unsigned long long)} = 8 (include/linux/cache.h): 40 bytes on a 64-bit machine and 24 on
 * a 32-bit one. So a 100-byte devm_kmalloc takes a kmalloc-192 object on x86_64 (140 bytes asked) and a
 * kmalloc-128 one on i386, as /proc/slabinfo and the kmalloc tracepoint show. The header is zeroed
 * ({@code alloc_dr}'s memset); the data only with {@code __GFP_ZERO} (devm_kzalloc).
 *
 * <p>Every other node is a devres too: {@code devres_alloc} kmallocs the header and the node's data
 * (zeroed) before the resource is taken, and the release kfrees it, so /proc/slabinfo counts a driver's
 * nodes as the kernel's would. A region node holds the parent, start and size (three words,
 * {@code struct region_devres}), an action node the function and its argument ({@code struct action_devres}),
 * an ioremap node the mapping's address. A node that cannot be allocated fails the call (NULL, as
 * {@code __devm_request_region} and {@code __devm_ioremap} answer).
 *
 * <p><b>Mappings.</b> {@code devm_ioremap} and {@code devm_ioremap_wc} (lib/devres.c) ioremap and add a node
 * whose release is iounmap; {@code devm_iounmap} unmaps now and drops the node, {@code WARN_ON} when there is
 * none.
 *
 * <p><b>Regions.</b> {@code devm_request_mem_region} and {@code devm_request_region} claim as
 * {@link IoRegions} does (a busy range is NULL with its collision line, and no node is added, as
 * {@code __devm_request_region} frees its node); {@code devm_release_mem_region} releases at once and drops
 * the node, with {@code WARN_ON} when there is none ({@code __devm_release_region}). {@code devm_kfree} of a
 * pointer with no node is devm_kfree's {@code WARN_ON(rc)}.
 *
 * <p><b>Threads.</b> The list is the kernel's {@code devres_lock} spinlock's: calls are synchronized on this
 * object; releases run outside it, as {@code release_nodes} runs the release functions after unlocking.
 */
public final class Devres {
    /** ARCH_DMA_MINALIGN where the arch does not raise it: {@code __alignof__(unsigned long long)}. */
    private static final int DMA_MINALIGN = 8;
    /** The words of struct devres_node: list_head (2), release, name, size. */
    private static final int NODE_WORDS = 5;

    private final String device;
    private final IoRegions regions;
    private final SlabLayer slab;
    private final IoRemap ioremap;
    private final KernelMemory memory;
    private final KernelLog log;
    private final int headerBytes;
    private final int pointerBytes;
    private final List<Node> nodes = new ArrayList<>();

    /** One devres node: what it is (for matching) and how it is released. */
    private record Node(Kind kind, long start, long n, String name, long devres, Release release) {
    }

    private enum Kind { KMALLOC, MEM_REGION, IO_REGION, ACTION, IOREMAP }

    /** Words of each node's data: struct region_devres, struct action_devres, the ioremap's pointer. */
    private static final int REGION_WORDS = 3;
    private static final int ACTION_WORDS = 2;
    private static final int IOREMAP_WORDS = 1;

    /** A node's release function ({@code dr_release_t}), run on the CPU that releases. */
    @FunctionalInterface
    public interface Release {
        /** @param cpu the CPU running devres_release_all or devm_*_release */
        void release(Cpu cpu);
    }

    /**
     * @param device       the device's name ({@code dev_name(dev)}), for the messages
     * @param regions      the machine's resource tree
     * @param slab         kmalloc and kfree
     * @param ioremap      ioremap and iounmap
     * @param memory       the kernel's direct map, to zero the header
     * @param log          the kernel log
     * @param pointerBytes {@code sizeof(void *)}: 4 or 8
     */
    public Devres(String device, IoRegions regions, SlabLayer slab, IoRemap ioremap, KernelMemory memory, KernelLog log,
                  int pointerBytes) {
        this.device = device;
        this.regions = regions;
        this.slab = slab;
        this.ioremap = ioremap;
        this.pointerBytes = pointerBytes;
        this.memory = memory;
        this.log = log;
        int node = NODE_WORDS * pointerBytes;
        this.headerBytes = (node + DMA_MINALIGN - 1) & -DMA_MINALIGN;
    }

    /**
     * A devres list for a device of a booted machine.
     *
     * @param m      the machine
     * @param device the device's name
     * @return its (empty) list
     */
    public static Devres of(Machine m, String device) {
        return new Devres(device, m.ioRegions(), m.kernel().slab(), m.kernel().ioremap(),
                new org.kmemu.core.kernel.DirectMapMemory(m.layout(), m.memory()), m.log(), m.kernel().vmalloc().pointerBytes());
    }

    /** @return the device's name */
    public String device() {
        return device;
    }

    /** @return {@code sizeof(struct devres)}: the bytes a devm_kmalloc adds in front of the data */
    public int headerBytes() {
        return headerBytes;
    }

    /** @return the nodes on the list, oldest first, as "kind name" lines (what CONFIG_DEBUG_DEVRES would log) */
    public synchronized List<String> nodes() {
        List<String> out = new ArrayList<>();
        for (Node n : nodes) {
            out.add(n.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + n.name());
        }
        return out;
    }

    /**
     * {@code devm_kmalloc(dev, size, gfp)}.
     *
     * @param cpu  the calling CPU
     * @param size bytes for the driver
     * @param gfp  allocation flags ({@code __GFP_ZERO} zeroes the data too)
     * @return the data's address; ZERO_SIZE_PTR for 0 bytes, with no node (6.x devm_kmalloc); 0 (NULL) when
     *         the kmalloc failed or the size is negative
     */
    public long devmKmalloc(Cpu cpu, long size, int gfp) {
        if (size == 0) {
            return SlabLayer.ZERO_SIZE_PTR;
        }
        if (size < 0) {
            return 0; // check_dr_size: the total would overflow
        }
        long dr = slab.kmalloc(cpu, headerBytes + size, gfp, "devm_kmalloc");
        if (dr == 0) {
            return 0;
        }
        if ((gfp & Gfp.__GFP_ZERO) == 0) {
            memory.fill(dr, (byte) 0, headerBytes); // alloc_dr: memset(dr, 0, offsetof(struct devres, data))
        }
        long data = dr + headerBytes;
        add(new Node(Kind.KMALLOC, data, size, "devm_kmalloc_release", dr, c -> slab.kfree(c, dr, "devres_release_all")));
        return data;
    }

    /**
     * {@code devm_kzalloc(dev, size, gfp)}: devm_kmalloc with {@code __GFP_ZERO}.
     *
     * @param cpu  the calling CPU
     * @param size bytes
     * @param gfp  allocation flags
     * @return the zeroed data, or 0
     */
    public long devmKzalloc(Cpu cpu, long size, int gfp) {
        return devmKmalloc(cpu, size, gfp | Gfp.__GFP_ZERO);
    }

    /**
     * {@code devm_kfree(dev, p)}: frees now what devm_kmalloc gave. NULL and ZERO_SIZE_PTR are ignored; a
     * pointer this device's list does not hold is {@code WARN_ON(rc)} and nothing is freed.
     *
     * @param cpu the calling CPU
     * @param p   the data's address
     */
    public void devmKfree(Cpu cpu, long p) {
        if (p == 0 || p == SlabLayer.ZERO_SIZE_PTR) {
            return;
        }
        Node n = remove(Kind.KMALLOC, p, -1);
        if (n == null) {
            KernelWarning.warnOn(log, cpu, "drivers/base/devres.c devm_kfree");
            return;
        }
        n.release().release(cpu);
    }

    /**
     * {@code devm_request_mem_region(dev, start, n, name)}.
     *
     * @param cpu   the calling CPU
     * @param start first physical address
     * @param n     bytes
     * @param name  the claimer's name
     * @return the claim, or null when busy (nothing added to the list)
     */
    public Resource devmRequestMemRegion(Cpu cpu, long start, long n, String name) {
        long dr = devresAlloc(cpu, REGION_WORDS);
        if (dr == 0) {
            return null;
        }
        Resource r = regions.requestMemRegion(start, n, name);
        if (r == null) {
            devresFree(cpu, dr);
            return null;
        }
        add(new Node(Kind.MEM_REGION, start, n, name, dr, c -> {
            regions.releaseMemRegion(start, n);
            devresFree(c, dr);
        }));
        return r;
    }

    /**
     * {@code devm_request_region(dev, start, n, name)}: I/O ports.
     *
     * @param cpu   the calling CPU
     * @param start first port
     * @param n     ports
     * @param name  the claimer's name
     * @return the claim, or null when busy
     */
    public Resource devmRequestRegion(Cpu cpu, long start, long n, String name) {
        long dr = devresAlloc(cpu, REGION_WORDS);
        if (dr == 0) {
            return null;
        }
        Resource r = regions.requestRegion(start, n, name);
        if (r == null) {
            devresFree(cpu, dr);
            return null;
        }
        add(new Node(Kind.IO_REGION, start, n, name, dr, c -> {
            regions.releaseRegion(start, n);
            devresFree(c, dr);
        }));
        return r;
    }

    /**
     * {@code devm_release_mem_region(dev, start, n)}: {@code __release_region} now, then the node goes;
     * {@code WARN_ON} when the list held no such claim (the release itself still happens, as in the kernel).
     *
     * @param cpu   the calling CPU
     * @param start first physical address
     * @param n     bytes
     */
    public void devmReleaseMemRegion(Cpu cpu, long start, long n) {
        regions.releaseMemRegion(start, n);
        Node node = remove(Kind.MEM_REGION, start, n);
        if (node == null) {
            KernelWarning.warnOn(log, cpu, "kernel/resource.c __devm_release_region");
            return;
        }
        devresFree(cpu, node.devres());
    }

    /**
     * {@code devm_release_region(dev, start, n)}: the I/O-port form of {@link #devmReleaseMemRegion}.
     *
     * @param cpu   the calling CPU
     * @param start first port
     * @param n     ports
     */
    public void devmReleaseRegion(Cpu cpu, long start, long n) {
        regions.releaseRegion(start, n);
        Node node = remove(Kind.IO_REGION, start, n);
        if (node == null) {
            KernelWarning.warnOn(log, cpu, "kernel/resource.c __devm_release_region");
            return;
        }
        devresFree(cpu, node.devres());
    }

    /**
     * {@code devm_add_action(dev, action, data)}: any release a driver wants run at unbind.
     *
     * @param cpu    the calling CPU (the node is kmalloc'ed on it)
     * @param name   what it releases, for {@link #nodes}
     * @param action the release
     * @return 0, or -ENOMEM when the node could not be allocated (the action is not added)
     */
    public int devmAddAction(Cpu cpu, String name, Release action) {
        long dr = devresAlloc(cpu, ACTION_WORDS);
        if (dr == 0) {
            return -org.kmemu.api.Errno.ENOMEM;
        }
        add(new Node(Kind.ACTION, 0, 0, name, dr, c -> {
            action.release(c);
            devresFree(c, dr);
        }));
        return 0;
    }

    /**
     * {@code devm_ioremap(dev, offset, size)}: ioremap, released by iounmap at unbind.
     *
     * @param cpu  the calling CPU
     * @param phys the first physical address
     * @param size bytes
     * @return the mapping, or 0 (NULL) when the node or the mapping could not be made
     */
    public long devmIoremap(Cpu cpu, long phys, long size) {
        return devmMap(cpu, phys, size, false);
    }

    /**
     * {@code devm_ioremap_wc(dev, offset, size)}: the write-combining form of {@link #devmIoremap}.
     *
     * @param cpu  the calling CPU
     * @param phys the first physical address
     * @param size bytes
     * @return the mapping, or 0
     */
    public long devmIoremapWc(Cpu cpu, long phys, long size) {
        return devmMap(cpu, phys, size, true);
    }

    private long devmMap(Cpu cpu, long phys, long size, boolean wc) {
        long dr = devresAlloc(cpu, IOREMAP_WORDS);
        if (dr == 0) {
            return 0;
        }
        String caller = wc ? "devm_ioremap_wc" : "devm_ioremap";
        long addr = wc ? ioremap.ioremapWc(cpu, phys, size, caller) : ioremap.ioremap(cpu, phys, size, caller);
        if (addr == 0) {
            devresFree(cpu, dr);
            return 0;
        }
        add(new Node(Kind.IOREMAP, addr, size, caller, dr, c -> {
            ioremap.iounmap(c, addr);
            devresFree(c, dr);
        }));
        return addr;
    }

    /**
     * {@code devm_iounmap(dev, addr)}: unmaps now; {@code WARN_ON} when the list holds no such mapping (then
     * nothing is unmapped, as lib/devres.c checks the node first).
     *
     * @param cpu  the calling CPU
     * @param addr what devmIoremap returned
     */
    public void devmIounmap(Cpu cpu, long addr) {
        Node node = remove(Kind.IOREMAP, addr, -1);
        if (node == null) {
            KernelWarning.warnOn(log, cpu, "lib/devres.c devm_iounmap");
            return;
        }
        node.release().release(cpu);
    }

    /** {@code devres_alloc}: a zeroed node of {@code words} pointer-sized words of data behind the header. */
    private long devresAlloc(Cpu cpu, int words) {
        return slab.kmalloc(cpu, headerBytes + (long) words * pointerBytes, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, "devres_alloc");
    }

    /** {@code devres_free}. */
    private void devresFree(Cpu cpu, long dr) {
        slab.kfree(cpu, dr, "devres_free");
    }

    /**
     * {@code devres_release_all(dev)}: what the driver core runs when the driver is unbound or its probe
     * fails. Every node is released, newest first, and the list is empty after.
     *
     * @param cpu the CPU running the unbind
     * @return the nodes released
     */
    public int releaseAll(Cpu cpu) {
        List<Node> todo;
        synchronized (this) {
            todo = new ArrayList<>(nodes);
            nodes.clear();
        }
        for (int i = todo.size() - 1; i >= 0; i--) {
            todo.get(i).release().release(cpu);
        }
        return todo.size();
    }

    private synchronized void add(Node n) {
        nodes.add(n);
    }

    /** Drops the newest node matching, as devres_find walks the list from its tail. */
    private synchronized Node remove(Kind kind, long start, long n) {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            if (node.kind() == kind && node.start() == start && (n < 0 || node.n() == n)) {
                return nodes.remove(i);
            }
        }
        return null;
    }
}
