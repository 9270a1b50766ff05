package org.kmemu.core.testing;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * The e820 table a PC BIOS typically reports, shared by the x86-like test architectures: for
 * {@code S} bytes of DIMMs,
 * <pre>
 *   [0,        0x1000)   reserved   (BIOS data area, real-mode IVT)
 *   [0x1000,   0x9fc00)  usable     (low memory below the EBDA)
 *   [0x9fc00,  1 MiB)    reserved   (EBDA, VGA hole, option and system ROMs)
 *   [1 MiB,    min(S, 3 GiB))  usable
 *   [3 GiB,    4 GiB)    device     (PCI hole, only when S &gt; 3 GiB)
 *   [4 GiB,    4 GiB + S - 3 GiB)  usable  (RAM the chipset remaps above the hole)
 * </pre>
 * The same shape as the real sample /work/shared/reference/proc/iomem.txt, where the hole starts at
 * 0xc0000000. Usable bytes are therefore slightly below {@code S}, as on real machines.
 */
public final class PcMemoryMap {
    /** Start of the PCI hole: 3 GiB. */
    public static final long PCI_HOLE_START = 3L << 30;
    /** End of the PCI hole: 4 GiB. */
    public static final long PCI_HOLE_END = 4L << 30;

    private PcMemoryMap() {
    }

    /**
     * @param ramBytes    the DIMM size S, at least 2 MiB
     * @param maxPhysBits the highest physical address bit the configuration can reach
     * @return the e820-like map described above
     * @throws IllegalArgumentException if the remapped RAM would lie beyond {@code 2^maxPhysBits}
     */
    public static MemoryMap of(long ramBytes, int maxPhysBits) {
        if (ramBytes < (2L << 20)) {
            throw new IllegalArgumentException("RAM " + ramBytes + " bytes (expected: at least 2 MiB)");
        }
        List<MemoryRegion> regions = new ArrayList<>();
        regions.add(new MemoryRegion(0, 0x1000, RegionType.RESERVED));
        regions.add(new MemoryRegion(0x1000, 0x9fc00 - 0x1000, RegionType.USABLE));
        regions.add(new MemoryRegion(0x9fc00, 0x100000 - 0x9fc00, RegionType.RESERVED));
        long below = Math.min(ramBytes, PCI_HOLE_START);
        regions.add(new MemoryRegion(0x100000, below - 0x100000, RegionType.USABLE));
        if (ramBytes > PCI_HOLE_START) {
            long above = ramBytes - PCI_HOLE_START;
            if (PCI_HOLE_END + above > 1L << maxPhysBits) {
                throw new IllegalArgumentException(String.format("RAM %d bytes needs addresses up to %#x"
                        + " (expected: below %#x, the %d-bit physical limit)", ramBytes, PCI_HOLE_END + above - 1,
                        1L << maxPhysBits, maxPhysBits));
            }
            regions.add(new MemoryRegion(PCI_HOLE_START, PCI_HOLE_END - PCI_HOLE_START, RegionType.DEVICE));
            regions.add(new MemoryRegion(PCI_HOLE_END, above, RegionType.USABLE));
        }
        return new MemoryMap(regions);
    }
}
