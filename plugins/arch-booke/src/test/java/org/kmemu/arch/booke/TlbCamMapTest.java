package org.kmemu.arch.booke;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** calc_cam_sz() / map_mem_in_cams() of arch/powerpc/mm/nohash/e500.c (MMU v1: powers of 4). */
class TlbCamMapTest {
    static final long MIB = 1L << 20;

    @Test
    void camSizeIsAPowerOfFourBoundedByRamAlignmentAndMax() {
        assertThat(TlbCamMap.camSize(768 * MIB, 0xc0000000L, 0, 32)).isEqualTo(256 * MIB);
        assertThat(TlbCamMap.camSize(512 * MIB, 0xc0000000L, 0, 32)).isEqualTo(256 * MIB); // 2^29 -> 4^14
        assertThat(TlbCamMap.camSize(3L << 30, 0x40000000L, 0, 32)).isEqualTo(1L << 30); // e500v2 1 GiB page
        assertThat(TlbCamMap.camSize(3L << 30, 0x40000000L, 0, 28)).isEqualTo(256 * MIB); // e500v1 max
        assertThat(TlbCamMap.camSize(768 * MIB, 0xc2000000L, 0, 32)).isEqualTo(16 * MIB); // ffs 25 -> 24
        assertThat(TlbCamMap.camSize(8192, 0xc0000000L, 0, 32)).isEqualTo(4096);
    }

    @Test
    void mapStopsAtTheCamLimit() {
        TlbCamMap m = TlbCamMap.map(768 * MIB, 0xc0000000L, 0, 2, 4L << 30);
        assertThat(m.camSizes()).containsExactly(256 * MIB, 256 * MIB);
        assertThat(m.mappedBytes()).isEqualTo(512 * MIB);
        assertThat(m.message(768 * MIB)).isEqualTo("Memory CAM mapping: 256/256 Mb, residual: 256Mb");
    }

    @Test
    void alignmentGrowsAsEntriesAdvance() {
        // virt 0xc0000000: 256M then the next entry at 0xd0000000 is 256M-aligned too
        TlbCamMap m = TlbCamMap.map(304 * MIB, 0xc0000000L, 0, 3, 4L << 30);
        assertThat(m.camSizes()).containsExactly(256 * MIB, 16 * MIB, 16 * MIB);
        assertThat(m.mappedBytes()).isEqualTo(288 * MIB);
    }
}
