package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The packed formats: the per-page tag byte, the range words, the buddyinfo view. */
class PageTagTest {

    @Test
    void freeBoundaryTags() {
        assertThat(PageTag.isFreeHead(PageTag.FREE_HEAD)).isTrue();
        assertThat(PageTag.isFreeTail(PageTag.FREE_HEAD)).isFalse();
        assertThat(PageTag.isFreeTail(PageTag.FREE_TAIL)).isTrue();
        assertThat(PageTag.isFreeHead(PageTag.FREE_TAIL)).isFalse();
        assertThat(PageTag.isFreeHead(PageTag.FREE_SINGLE)).isTrue();
        assertThat(PageTag.isFreeTail(PageTag.FREE_SINGLE)).isTrue();
        for (byte tag : new byte[] {PageTag.FREE_HEAD, PageTag.FREE_TAIL, PageTag.FREE_SINGLE}) {
            assertThat(PageTag.isFree(tag)).isTrue();
            assertThat(PageTag.isAllocated(tag)).isFalse();
        }
        assertThat(PageTag.isFree(PageTag.NONE)).isFalse();
        assertThat(PageTag.isAllocated(PageTag.NONE)).isFalse();
    }

    @Test
    void allocatedTagsKeepTheirOrderAndAreNeverFreeBoundaries() {
        for (int order = 0; order <= 31; order++) {
            byte tag = PageTag.allocated(order);
            assertThat(PageTag.isAllocated(tag)).isTrue();
            assertThat(PageTag.order(tag)).isEqualTo(order);
            assertThat(PageTag.isAllocatedHead(tag, order)).isTrue();
            assertThat(PageTag.isAllocatedHead(tag, (order + 1) & 31)).isFalse();
            assertThat(PageTag.isFreeHead(tag) || PageTag.isFreeTail(tag) || PageTag.isFree(tag)).isFalse();
        }
    }

    @Test
    void rangeWordsPackBothLinksAndNilIsZero() {
        RangeWords w = new RangeWords(0x1000, 8, null);
        w.setLinks(3, RangeWords.NIL, RangeWords.NIL);
        assertThat(w.get(3)).as("no links is the word 0").isZero();
        w.setLinks(3, 7, 0);
        assertThat(w.get(3)).isEqualTo(8L << 32 | 1);
        assertThat(w.next(3)).isEqualTo(7);
        assertThat(w.prev(3)).isZero();
        w.setPrev(3, 5);
        assertThat(w.next(3)).isEqualTo(7);
        assertThat(w.prev(3)).isEqualTo(5);
        w.setNext(3, RangeWords.NIL);
        assertThat(w.next(3)).isEqualTo(RangeWords.NIL);
        assertThat(w.prev(3)).isEqualTo(5);
        assertThat(w.ownBytes()).isEqualTo(64);
    }

    @Test
    void theLargestLinksSurviveTheRoundTrip() {
        RangeWords w = new RangeWords(0, 1, null);
        // The largest zone-relative page is 2^31 - 2 (a zone has fewer than 2^31 pages): stored as 2^31 - 1.
        long word = ((long) Integer.MAX_VALUE << 32) | Integer.MAX_VALUE;
        w.set(0, word);
        assertThat(w.next(0)).isEqualTo(Integer.MAX_VALUE - 1);
        assertThat(w.prev(0)).isEqualTo(Integer.MAX_VALUE - 1);
    }

    @Test
    void alignedBlocksCutARangeLargestFirstAndCapAtMaxOrder() {
        long[] perOrder = new long[11];
        AlignedBlocks.count(0x103, 10, 10, perOrder);
        assertThat(perOrder).containsExactly(2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0);
        perOrder = new long[4];
        AlignedBlocks.count(0, 20, 3, perOrder);
        assertThat(perOrder).as("20 pages at 0 with max order 3: 8 + 8 + 4").containsExactly(0, 0, 1, 2);
    }
}
