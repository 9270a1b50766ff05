package org.kmemu.alloc.slab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.SlabFlags;

/** calculate_slab_order, cache_estimate, the off-slab rule and colours, worked by hand for 4 KiB pages and 64-byte lines. */
class GeometryTest {

    private static SlabGeometry g(int size, int flags, int maxOrder) {
        return SlabGeometry.compute(size, 0, flags, 12, 64, maxOrder, true);
    }

    @Test
    void smallObjectsKeepTheFreelistOnTheSlab() {
        // 100 -> 104; 4096 / 106 = 38 objects; freelist ALIGN(76, 8) = 80; 4096 - 3952 - 80 = 64 left: one colour.
        assertThat(g(100, 0, 1)).isEqualTo(new SlabGeometry(104, 8, 0, 38, false, 80, 64, 1, 64));
        // 32: 4096 / 34 = 120 objects, freelist 240, 16 bytes left.
        assertThat(g(32, 0, 1)).isEqualTo(new SlabGeometry(32, 8, 0, 120, false, 240, 64, 0, 16));
    }

    @Test
    void offSlabCandidatesGoOnSlabWhenTheLeftOverHoldsTheFreelist() {
        // 200 >= OFF_SLAB_MIN_SIZE (128): off-slab 20 objects leave 96, the 40-byte freelist fits: on-slab, 56 left.
        assertThat(g(200, 0, 1)).isEqualTo(new SlabGeometry(200, 8, 0, 20, false, 40, 64, 0, 56));
        // 3000: order 0 wastes 1096 (> 1/8), order 1 = slab_max_order holds 2; freelist 8 on-slab, 2184 left: 34 colours.
        assertThat(g(3000, 0, 1)).isEqualTo(new SlabGeometry(3000, 8, 1, 2, false, 8, 64, 34, 2184));
    }

    @Test
    void objectsThatFillTheSlabHaveTheirFreelistOffSlab() {
        assertThat(g(512, 0, 1)).isEqualTo(new SlabGeometry(512, 8, 0, 8, true, 16, 64, 0, 0));
        assertThat(g(128, 0, 1)).isEqualTo(new SlabGeometry(128, 8, 0, 32, true, 64, 64, 0, 0));
        assertThat(g(8192, 0, 1)).isEqualTo(new SlabGeometry(8192, 8, 1, 1, true, 2, 64, 0, 0));
    }

    @Test
    void slabMaxOrderAndReclaimAccountStopTheOrderLoop() {
        assertThat(g(3000, 0, 0).order()).isZero();
        assertThat(g(3000, 0, 0).colour()).isEqualTo(17); // 1096 - 8 = 1088 left
        assertThat(g(3000, SlabFlags.SLAB_RECLAIM_ACCOUNT, 3).order()).isZero();
        assertThat(g(3000, 0, 3).order()).as("order 2 wastes 1384 <= 1/8").isEqualTo(2);
        assertThat(g(8192, 0, 0).order()).as("no object fits order 0: the loop goes on").isEqualTo(1);
    }

    @Test
    void hwcacheAlignHalvesTheLineForSmallObjects() {
        assertThat(g(40, SlabFlags.SLAB_HWCACHE_ALIGN, 1).size()).isEqualTo(64);
        assertThat(g(20, SlabFlags.SLAB_HWCACHE_ALIGN, 1).size()).isEqualTo(32);
        SlabGeometry hw = g(40, SlabFlags.SLAB_HWCACHE_ALIGN, 1);
        assertThat(hw.freelistSize() % 64).as("s_mem stays line-aligned").isZero();
        assertThat(hw.num()).isEqualTo(62);
    }
}
