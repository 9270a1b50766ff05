package org.kmemu.core.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ZoneType;

class PageFramesTest {

    @Test
    void onlySectionsWithRamExistAndStartReserved() {
        long pps = PageFrames.PAGES_PER_SECTION;
        // RAM in sections 0 and 3; sections 1 and 2 are a hole.
        PageFrames f = new PageFrames(4 * pps, List.of(new long[] {1, 100}, new long[] {3 * pps + 5, 4 * pps}));
        assertThat(f.pfnValid(0)).isTrue();
        assertThat(f.pfnValid(pps + 1)).isFalse();
        assertThat(f.pfnValid(2 * pps)).isFalse();
        assertThat(f.pfnValid(3 * pps)).isTrue();
        assertThat(f.pfnValid(4 * pps)).isFalse();
        assertThat(f.pfnValid(-1)).isFalse();
        assertThat(f.isReserved(50)).isTrue();
        assertThat(f.metadataBytes()).isEqualTo(2 * 4 * pps);
    }

    @Test
    void reservedAndZoneBitsAreIndependent() {
        PageFrames f = new PageFrames(1000, List.of(new long[] {0, 1000}));
        f.setZone(0, 1000, ZoneType.HIGHMEM);
        f.setReserved(10, 20, false);
        assertThat(f.isReserved(9)).isTrue();
        assertThat(f.isReserved(10)).isFalse();
        assertThat(f.isReserved(20)).isTrue();
        assertThat(PageFlags.zone(f.flags(15))).isEqualTo(ZoneType.HIGHMEM);
        f.setZone(0, 1000, ZoneType.DMA);
        assertThat(PageFlags.zone(f.flags(15))).isEqualTo(ZoneType.DMA);
        assertThat(f.isReserved(15)).isFalse();
    }
}
