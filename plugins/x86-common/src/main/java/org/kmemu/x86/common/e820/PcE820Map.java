package org.kmemu.x86.common.e820;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * The e820 map PC firmware (SeaBIOS under QEMU's pc machine) reports for a given amount of RAM, and
 * the kernel's first correction of such a map. RAM occupies physical addresses [0, ramBytes) except
 * where the firmware's holes hide or move it:
 *
 * <pre>
 *   [0x00000000, 0x0009fc00)   usable    conventional memory, 639 KiB (less on a tinier machine)
 *   [0x0009fc00, 0x00100000)   reserved  EBDA, VGA window, option and BIOS ROMs
 *   [0x00100000, 0xc0000000)   usable    up to min(ramBytes, 3 GiB), when RAM &gt; 1 MiB
 *   [0xc0000000, 0x100000000)  device    the 32-bit PCI hole, always
 *   [0x100000000, ...)         usable    ramBytes - 3 GiB moved above the hole, when RAM &gt; 3 GiB
 * </pre>
 *
 * The 0x60400 bytes of RAM behind the legacy window are lost, as on a real PC; RAM past 3 GiB
 * continues at 4 GiB, as hw/i386/pc.c in QEMU splits RAM into below_4g_mem_size and
 * above_4g_mem_size (QEMU's cut-over point varies by machine type; 3 GiB matches the real sample
 * shared/reference/proc/iomem.txt). Every region ends on a page boundary except the one at 0x9fc00,
 * whose partial page is no frame.
 *
 * <p>Used by the i386 and x86_64 plugins. Plugins share only the api at run time, so each plugin's
 * build shades this class into its own jar under its own package (maven-shade-plugin relocation):
 * the two plugin class loaders never see the same class. Both methods are pure functions, called
 * from {@code ArchSpec.defaultMemoryMap} and {@code ArchSpec.sanitizeFirmwareMap} on the boot thread.
 */
public final class PcE820Map {
    /** The x86 page size; every region but the one ending at {@link #LOW_USABLE_END} is whole pages. */
    static final long PAGE_SIZE = 4096L;
    /** End of conventional memory the BIOS reports usable (639 KiB; the EBDA takes the last KiB). */
    static final long LOW_USABLE_END = 0x9fc00L;
    /** BIOS_BEGIN: 640 KiB, start of the legacy window (arch/x86/include/asm/e820/types.h). */
    static final long BIOS_BEGIN = 0xa0000L;
    /** BIOS_END: 1 MiB, where extended memory starts. */
    static final long BIOS_END = 0x100000L;
    /** Start of the 32-bit PCI hole. */
    static final long PCI_HOLE_START = 0xc0000000L;
    /** 4 GiB: end of the PCI hole, where RAM past it continues. */
    static final long FOUR_GIB = 0x100000000L;

    private PcE820Map() {
    }

    /**
     * @param ramBytes    the RAM size, a positive whole number of pages
     * @param maxEndBytes no RAM may end above this physical address
     * @param limitText   why that limit holds and what to do about it, for the error message
     * @return the map
     * @throws IllegalArgumentException for a bad size, or RAM that would end above maxEndBytes
     */
    public static MemoryMap of(long ramBytes, long maxEndBytes, String limitText) {
        if (ramBytes <= 0 || ramBytes % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(String.format(
                    "%d (expected: a positive multiple of %d bytes)", ramBytes, PAGE_SIZE));
        }
        long maxRamBytes = maxEndBytes - (FOUR_GIB - PCI_HOLE_START);
        if (ramBytes > maxRamBytes) {
            throw new IllegalArgumentException(String.format(
                    "%#x (expected: at most %#x, since RAM past 3 GiB continues above the PCI hole"
                            + " at 4 GiB and %s)", ramBytes, maxRamBytes, limitText));
        }
        List<MemoryRegion> regions = new ArrayList<>(5);
        regions.add(new MemoryRegion(0, Math.min(ramBytes, LOW_USABLE_END), RegionType.USABLE));
        regions.add(new MemoryRegion(LOW_USABLE_END, BIOS_END - LOW_USABLE_END, RegionType.RESERVED));
        if (ramBytes > BIOS_END) {
            regions.add(new MemoryRegion(BIOS_END, Math.min(ramBytes, PCI_HOLE_START) - BIOS_END, RegionType.USABLE));
        }
        regions.add(new MemoryRegion(PCI_HOLE_START, FOUR_GIB - PCI_HOLE_START, RegionType.DEVICE));
        if (ramBytes > PCI_HOLE_START) {
            regions.add(new MemoryRegion(FOUR_GIB, ramBytes - PCI_HOLE_START, RegionType.USABLE));
        }
        return new MemoryMap(regions);
    }

    /**
     * trim_bios_range() of arch/x86/kernel/setup.c: page 0 belongs to the BIOS, so usable RAM there
     * becomes reserved (e820__range_update); and usable RAM that a firmware (or a user-written map)
     * claims inside the legacy window [BIOS_BEGIN, BIOS_END) is removed, leaving a hole
     * (e820__range_remove with checktype). The default map already reserves that window, so only
     * page 0 changes there. e820__update_table() would then merge neighbours of one type; the
     * regions are left apart, which changes no page frame.
     *
     * @param firmwareMap the map as firmware or the config reports it
     * @return the corrected map
     * @throws IllegalArgumentException if no usable RAM is left
     */
    public static MemoryMap trimBiosRange(MemoryMap firmwareMap) {
        MemoryMap map = firmwareMap.update(0, PAGE_SIZE, RegionType.USABLE, RegionType.RESERVED);
        List<MemoryRegion> out = new ArrayList<>(map.regions().size() + 1);
        for (MemoryRegion r : map.regions()) {
            if (r.type() != RegionType.USABLE || r.end() <= BIOS_BEGIN || r.start() >= BIOS_END) {
                out.add(r);
                continue;
            }
            if (r.start() < BIOS_BEGIN) {
                out.add(new MemoryRegion(r.start(), BIOS_BEGIN - r.start(), RegionType.USABLE));
            }
            if (r.end() > BIOS_END) {
                out.add(new MemoryRegion(BIOS_END, r.end() - BIOS_END, RegionType.USABLE));
            }
        }
        return new MemoryMap(out);
    }
}
