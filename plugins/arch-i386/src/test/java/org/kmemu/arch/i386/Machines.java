package org.kmemu.arch.i386;

import java.util.List;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/** Options and hand-made e820 maps shared by the tests. */
final class Machines {
    private Machines() {
    }

    /** The reference.conf defaults: non-PAE, 3G split, current layout, 128 MiB reserve, HIGHMEM, 8 CPUs. */
    static I386Options defaults() {
        return new I386Options(false, VmSplit.VMSPLIT_3G, LayoutGeneration.CURRENT, 128L << 20, true, 8, 32);
    }

    static I386Options pae(I386Options o) {
        return new I386Options(true, o.vmSplit(), o.generation(), o.vmallocReserveBytes(), o.highmem(),
                o.nrCpus(), o.structPageBytes());
    }

    static I386Options generation(I386Options o, LayoutGeneration g) {
        return new I386Options(o.pae(), o.vmSplit(), g, o.vmallocReserveBytes(), o.highmem(), o.nrCpus(),
                o.structPageBytes());
    }

    static I386Options split(I386Options o, VmSplit s) {
        return new I386Options(o.pae(), s, o.generation(), o.vmallocReserveBytes(), o.highmem(), o.nrCpus(),
                o.structPageBytes());
    }

    static I386Options reserve(I386Options o, long bytes) {
        return new I386Options(o.pae(), o.vmSplit(), o.generation(), bytes, o.highmem(), o.nrCpus(),
                o.structPageBytes());
    }

    static I386Options noHighmem(I386Options o) {
        return new I386Options(o.pae(), o.vmSplit(), o.generation(), o.vmallocReserveBytes(), false, o.nrCpus(),
                o.structPageBytes());
    }

    /**
     * What a real BIOS reports for a machine whose RAM ends at {@code end} (below 3 GiB): 639 KiB,
     * the legacy hole, then RAM from 1 MiB to the end.
     */
    static MemoryMap biosMap(long end) {
        return new MemoryMap(List.of(
                new MemoryRegion(0, 0x9fc00, RegionType.USABLE),
                new MemoryRegion(0x9fc00, 0x100000 - 0x9fc00, RegionType.RESERVED),
                new MemoryRegion(0x100000, end - 0x100000, RegionType.USABLE)));
    }

    /** A 4 GiB machine as a non-PAE BIOS may report it: RAM up to 3 GiB, the PCI hole, nothing above. */
    static MemoryMap fourGibNonPae() {
        return new MemoryMap(List.of(
                new MemoryRegion(0, 0x9fc00, RegionType.USABLE),
                new MemoryRegion(0x9fc00, 0x100000 - 0x9fc00, RegionType.RESERVED),
                new MemoryRegion(0x100000, 0xc0000000L - 0x100000, RegionType.USABLE),
                new MemoryRegion(0xc0000000L, 0x40000000L, RegionType.DEVICE)));
    }

    static I386Layout layout(I386Options o, MemoryMap map) {
        return (I386Layout) new I386Spec(o).layout(map);
    }
}
