package org.kmemu.x86.common.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/** The shared bit names and the RAM ranges the direct map covers. */
class SharedMmuTest {

    @Test
    void bitNamesFollowTheKernel() {
        assertThat(X86PteBits.PAGE_TABLE).isEqualTo(0x067);
        assertThat(X86PteBits.KERNPG_TABLE).isEqualTo(0x063);
        assertThat(X86PteBits.describe(0x800000000000117fL | 0x80, false, true, true))
                .isEqualTo("P RW USR PWT PCD A D PSE G PAT NX");
        assertThat(X86PteBits.describe(0x8000000000000000L, true, false, true)).isEqualTo("not present");
        assertThat(X86PteBits.describe(0x80000000_00000001L, true, false, false)).as("no NX in a 4-byte format").isEqualTo("P");
    }

    @Test
    void ramRangesSkipHolesAndMergeNeighbours() {
        MemoryMap map = new MemoryMap(List.of(
                new MemoryRegion(0x1000, 0x9e000, RegionType.USABLE),
                new MemoryRegion(0x100000, 0x100000, RegionType.USABLE),
                new MemoryRegion(0x200000, 0x100800, RegionType.USABLE),
                new MemoryRegion(0xc0000000L, 0x40000000L, RegionType.DEVICE),
                new MemoryRegion(0x100000000L, 0x1000000L, RegionType.USABLE)));
        List<long[]> r = RamRanges.within(map, 0x100000, 0x100000000L + 0x800000);
        assertThat(r).hasSize(2);
        assertThat(r.get(0)).containsExactly(0x100000L, 0x300000L);
        assertThat(r.get(1)).containsExactly(0x100000000L, 0x100800000L);
    }
}
