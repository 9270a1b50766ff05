package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelMapping;

/**
 * Boot's kernel tables built in emulated RAM the way kmemu's boot builds them, then walked by hand as the
 * Sv39 hardware does (privileged spec, "Virtual Address Translation Process"): a = satp.PPN * 4096,
 * i = 2; pte = a + VPN[i] * 8; a leaf when R|W|X, else descend. Checks which level each kind of address
 * ends at.
 */
class Sv39WalkTest {
    private static final long GIB = 1L << 30;

    /** @return {leaf level, physical address}, or {-1, -1} when the walk meets an invalid entry */
    private static long[] walk(BootedTables b, long vaddr) {
        Sv39Format f = new Sv39Format();
        long table = b.tables().root();
        for (int level = 0; level < 3; level++) {
            int shift = f.indexShift(level);
            long pte = b.memory().readLong(table + ((vaddr >>> shift) & 511) * 8);
            if ((pte & Sv39Format.V) == 0) {
                return new long[] {-1, -1};
            }
            long ppnPhys = ((pte >>> 10) & ((1L << 44) - 1)) << 12;
            if ((pte & Sv39Format.LEAF) != 0) {
                return new long[] {level, ppnPhys + (vaddr & ((1L << shift) - 1))};
            }
            table = ppnPhys;
        }
        return new long[] {-1, -1};
    }

    @Test
    void theLinearMapIsMegapagesWith4KibPagesAtTheFirmwareHole() {
        BootedTables b = BootedTables.of(Sv39LayoutTest.spec(), 2 * GIB, 59L << 19);
        long[] edge = walk(b, b.layout().va(0x80060000L));
        assertThat(edge).containsExactly(2, 0x80060000L);
        long[] mega = walk(b, b.layout().va(0x80200000L) + 0x1234);
        assertThat(mega).containsExactly(1, 0x80201234L);
        long[] last = walk(b, b.layout().highMemory() - 8);
        assertThat(last).containsExactly(1, 0xfffffff8L);
        assertThat(walk(b, b.layout().va(0x80000000L))).as("OpenSBI's no-map region is not mapped").containsExactly(-1, -1);
        // 0x80060000..0x80200000 in 4 KiB pages, the rest of 2 GiB in 2 MiB pages, the image in 2 MiB pages.
        Map<Integer, Long> leaves = b.tables().leaves(KernelMapping.Kind.DIRECT_MAP);
        assertThat(leaves).containsEntry(12, (0x80200000L - 0x80060000L) >> 12).containsEntry(21, (2 * GIB - 0x200000L) >> 21)
                .doesNotContainKey(30);
    }

    @Test
    void withGigapagesTheAlignedGibsAreSingleRootLeaves() {
        BootedTables b = BootedTables.of(Sv39LayoutTest.spec("linear-map-page-size = 1G"), 4 * GIB, 59L << 19);
        assertThat(walk(b, b.layout().va(0xc0000000L) + 0x12345678L)).containsExactly(0, 0xd2345678L);
        assertThat(walk(b, b.layout().va(0x80300000L))).as("the first GiB holds the firmware hole").containsExactly(1, 0x80300000L);
        assertThat(b.tables().leaves(KernelMapping.Kind.DIRECT_MAP)).containsEntry(30, 3L);
    }

    @Test
    void theKernelMappingIsMegapagesAtKernelLinkAddr() {
        BootedTables b = BootedTables.of(Sv39LayoutTest.spec(), 2 * GIB, 59L << 19);
        assertThat(walk(b, 0xffffffff80000000L + 0x2345)).containsExactly(1, 0x80202345L);
        assertThat(walk(b, 0xffffffff80000000L + (59L << 19) + 0x100)).as("_end (29.5 MiB in) rounded up to 2 MiB is mapped")
                .containsExactly(1, 0x80200000L + (59L << 19) + 0x100);
        assertThat(walk(b, 0xffffffff80000000L + (32L << 20))).containsExactly(-1, -1);
    }

    @Test
    void vmallocHasNoLeavesAfterBootAndTheFixmapHasTablesOnly() {
        BootedTables b = BootedTables.of(Sv39LayoutTest.spec(), 2 * GIB, 59L << 19);
        assertThat(walk(b, b.layout().vmallocStart())).containsExactly(-1, -1);
        long fixmap = b.layout().fixaddrStart();
        long pgd = b.memory().readLong(b.tables().root() + ((fixmap >>> 30) & 511) * 8);
        assertThat(pgd & 0xf).as("a pointer: V, no R/W/X").isEqualTo(1);
        assertThat(walk(b, fixmap)).containsExactly(-1, -1);
    }

    @Test
    void theRootIndexOfEachAreaIsVpn2() {
        assertThat((Sv39Layout.PAGE_OFFSET >>> 30) & 511).isEqualTo(0x158);
        assertThat((Sv39Layout.VMALLOC_START >>> 30) & 511).isEqualTo(0x118);
        assertThat((Sv39Layout.KERNEL_LINK_ADDR >>> 30) & 511).isEqualTo(0x1fe);
        assertThat(Sv39Layout.TASK_SIZE >>> 30).as("user space is the lower 256 root slots").isEqualTo(256);
    }
}
