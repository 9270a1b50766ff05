package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TlsfMappingTest {
    private final TlsfMapping sli4 = new TlsfMapping(4);

    @Test
    void theClassDocsWorkedExample() {
        // 200 pages: f = 7, s = (200 >> 3) - 16 = 9; the class holds [200, 208).
        int cls = sli4.insertClass(200);
        assertThat(sli4.fl(cls)).isEqualTo(7);
        assertThat(sli4.sl(cls)).isEqualTo(9);
        assertThat(sli4.minPages(cls)).isEqualTo(200);
        assertThat(sli4.insertClass(207)).isEqualTo(cls);
        assertThat(sli4.insertClass(208)).isEqualTo(cls + 1);
        // A search for 201 pages skips the class of 200..207: not every range in it is big enough.
        assertThat(sli4.searchClass(201)).isEqualTo(cls + 1);
        assertThat(sli4.searchClass(200)).isEqualTo(cls);
    }

    @Test
    void smallSizesHaveAClassEach() {
        for (int n = 1; n < 16; n++) {
            int cls = sli4.insertClass(n);
            assertThat(sli4.minPages(cls)).as("size %d", n).isEqualTo(n);
            assertThat(sli4.searchClass(n)).isEqualTo(cls);
        }
        assertThat(sli4.insertClass(1)).isZero();
    }

    @Test
    void powersOfTwoStartAFirstLevel() {
        for (int f = 0; f < 31; f++) {
            int cls = sli4.insertClass(1L << f);
            assertThat(sli4.fl(cls)).isEqualTo(f);
            assertThat(sli4.sl(cls)).isZero();
        }
    }

    @Test
    void theLargestRangeAndItsRoundedSearchFit() {
        int max = sli4.insertClass(Integer.MAX_VALUE);
        assertThat(max).isLessThan(sli4.classes());
        assertThat(sli4.searchClass(Integer.MAX_VALUE)).isLessThan(sli4.classes());
    }

    @Test
    void secondLevelLog2IsChecked() {
        assertThatThrownBy(() -> new TlsfMapping(0)).hasMessage("sli: 0 (expected: 1 to 5)");
        assertThatThrownBy(() -> new TlsfMapping(6)).hasMessage("sli: 6 (expected: 1 to 5)");
    }

    /** mapping_insert: n lies in its class, at or above the class's smallest size and below the next class's. */
    @Property
    void aRangeIsFiledInTheClassThatHoldsItsSize(@ForAll @LongRange(min = 1, max = Integer.MAX_VALUE) long n,
                                                 @ForAll @IntRange(min = 1, max = 5) int sli) {
        TlsfMapping map = new TlsfMapping(sli);
        int cls = map.insertClass(n);
        assertThat(map.minPages(cls)).isLessThanOrEqualTo(n);
        int next = map.insertClass(n + 1);
        assertThat(next).isGreaterThanOrEqualTo(cls);
        if (next != cls) {
            assertThat(map.minPages(next)).isEqualTo(n + 1);
        }
    }

    /** mapping_search: every range filed at or above the class found has at least n pages, and no class is skipped needlessly. */
    @Property
    void aSearchFindsOnlyBigEnoughClasses(@ForAll @LongRange(min = 1, max = Integer.MAX_VALUE) long n,
                                          @ForAll @IntRange(min = 1, max = 5) int sli) {
        TlsfMapping map = new TlsfMapping(sli);
        int cls = map.searchClass(n);
        assertThat(map.minPages(cls)).isGreaterThanOrEqualTo(n);
        // The class below may hold ranges smaller than n: it starts below n.
        int below = map.insertClass(map.minPages(cls) - 1 < 1 ? 1 : map.minPages(cls) - 1);
        if (map.minPages(cls) > 1) {
            assertThat(map.minPages(below)).isLessThan(n);
        }
    }
}
