package org.kmemu.core.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.FreePageWords;
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

    @Test
    void untouchedSectionsReadAsBootStateAndCostOnlyTheirFlags() {
        long pps = PageFrames.PAGES_PER_SECTION;
        PageFrames f = new PageFrames(2 * pps, List.of(new long[] {0, 2 * pps}));
        f.setReserved(10, 2 * pps, false);
        assertThat(f.refcount(5)).as("reserved: __init_single_page's 1").isEqualTo(1);
        assertThat(f.refcount(pps + 3)).as("free").isZero();
        assertThat(f.mapcount(pps + 3)).isZero();
        assertThat(f.word(pps + 3)).isZero();
        assertThat(f.fullSections()).isZero();
        assertThat(f.metadataBytes()).isEqualTo(2 * 4 * pps);
        assertThat(f.presentFrames()).isEqualTo(2 * pps);

        f.setRefcount(pps + 3, 1);
        assertThat(f.fullSections()).isEqualTo(1);
        assertThat(f.wordSections()).as("counts and words are made apart").isZero();
        assertThat(f.metadataBytes()).isEqualTo(2 * 4 * pps + 8 * pps);
        f.setWord(pps + 3, pps + 4, 42);
        assertThat(f.wordSections()).isEqualTo(1);
        assertThat(f.metadataBytes()).isEqualTo(2 * 4 * pps + 16 * pps);
        assertThat(f.refcount(pps + 3)).isEqualTo(1);
        assertThat(f.refcount(pps + 4)).isZero();
        assertThat(f.refcount(5)).as("section 0 still lazy").isEqualTo(1);
        f.setRefcount(20, 1);
        assertThat(f.refcount(5)).as("made sections keep reserved frames at 1").isEqualTo(1);
        assertThat(f.refcount(21)).isZero();
    }

    @Test
    void everyFieldOfEveryFrameInUseCostsTwentyBytesPerFrame() {
        long pps = PageFrames.PAGES_PER_SECTION;
        // Sections 0 and 2 hold RAM, section 1 is a hole and costs nothing.
        PageFrames f = new PageFrames(3 * pps, List.of(new long[] {0, pps}, new long[] {2 * pps, 3 * pps}));
        f.setReserved(0, 3 * pps, false);
        f.setRefcount(5, 3);
        f.populateAll();
        assertThat(f.fullSections()).isEqualTo(2);
        assertThat(f.wordSections()).isEqualTo(2);
        assertThat(f.metadataBytes()).isEqualTo(2 * pps * (4 + 8 + 4 + 4));
        assertThat((double) f.metadataBytes() / f.presentFrames()).isEqualTo(20.0);
        assertThat(f.refcount(5)).as("populating keeps values").isEqualTo(3);
        assertThat(f.refcount(2 * pps)).isZero();
    }

    @Test
    void lentWordsAreTheFramesWordsAndAreMadeOnFirstWrite() {
        long pps = PageFrames.PAGES_PER_SECTION;
        PageFrames f = new PageFrames(2 * pps, List.of(new long[] {0, 2 * pps}));
        FreePageWords lent = f.freePageWords();
        assertThat(lent.get(pps + 9)).isZero();
        assertThat(f.wordSections()).as("a read makes nothing").isZero();
        lent.set(pps + 9, 0x0000_0006_0000_0006L);
        assertThat(f.wordSections()).isEqualTo(1);
        assertThat(f.fullSections()).as("links need no counts").isZero();
        assertThat(f.word(pps + 9)).isEqualTo(0x0000_0006_0000_0006L);
        f.resetForFree(pps + 9, 0);
        assertThat(lent.get(pps + 9)).isZero();
    }

    @Test
    void refcountOperationsAreKernelLike() {
        PageFrames f = new PageFrames(100, List.of(new long[] {0, 100}));
        f.setReserved(0, 100, false);
        assertThat(f.refAddUnlessZero(7, 1)).as("get_page_unless_zero on a free page").isFalse();
        assertThat(f.refcount(7)).isZero();
        f.setRefcount(7, 1);
        assertThat(f.refAddUnlessZero(7, PageFrames.GUP_PIN_COUNTING_BIAS)).isTrue();
        assertThat(f.refcount(7)).isEqualTo(1025);
        assertThat(f.refAdd(7, -1025)).isZero();
        assertThat(f.mapcountAdd(7, 1)).isEqualTo(1);
        assertThat(f.mapcount(7)).isEqualTo(1);
        assertThat(f.mapcountAdd(7, -1)).isZero();
    }

    @Test
    void atomicFlagsAndResetForFree() {
        PageFrames f = new PageFrames(100, List.of(new long[] {0, 100}));
        f.setReserved(0, 100, false);
        f.setZone(0, 100, ZoneType.NORMAL);
        assertThat(f.testAndSetFlag(8, PageFlags.PG_DIRTY)).isFalse();
        assertThat(f.testAndSetFlag(8, PageFlags.PG_DIRTY)).isTrue();
        assertThat(f.clearFlag(8, PageFlags.PG_DIRTY)).isTrue();
        assertThat(f.clearFlag(8, PageFlags.PG_DIRTY)).isFalse();
        f.testAndSetFlag(8, PageFlags.PG_LOCKED | PageFlags.PG_UPTODATE | PageFlags.PG_SLAB);
        f.setOrder(8, 3);
        f.setRefcount(8, 2);
        f.mapcountAdd(9, 1);
        f.setWord(8, 10, 0x55);
        assertThat(f.word(9)).isEqualTo(0x55);
        assertThat(f.wordAdd(9, 1)).isEqualTo(0x56);
        f.resetForFree(8, 1);
        int flags = f.flags(8);
        assertThat(flags & (PageFlags.PG_LOCKED | PageFlags.PG_UPTODATE)).isZero();
        assertThat(flags & PageFlags.PG_SLAB).as("its owner clears PG_slab").isNotZero();
        assertThat(PageFlags.order(flags)).isZero();
        assertThat(PageFlags.zone(flags)).isEqualTo(ZoneType.NORMAL);
        assertThat(f.refcount(8)).isZero();
        assertThat(f.mapcount(9)).isZero();
        assertThat(f.word(8)).isZero();
        assertThat(f.word(9)).isZero();
        assertThat(PageFlags.names(PageFlags.PG_LOCKED | PageFlags.PG_DIRTY | PageFlags.PG_ANON_EXCLUSIVE))
                .isEqualTo("locked|dirty|anon_exclusive");
    }
}
