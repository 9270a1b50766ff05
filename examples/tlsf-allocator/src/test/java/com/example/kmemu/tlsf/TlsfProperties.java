package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.api.Gfp.GFP_KERNEL;
import static org.kmemu.api.Gfp.__GFP_NOWARN;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneType;

/**
 * Random alloc/free sequences on zones of random shape and second-level width. After every step: no
 * page is handed out twice, every block is aligned and inside the zone, every page is free or held
 * (no leak), the zone's lists, bitmaps and tags are consistent ({@link TlsfChecker}), and a failed
 * request means that no free range holds an aligned block of that order (the search misses nothing).
 * At the end everything is freed and the zone is one range again, as at boot.
 */
class TlsfProperties {

    @Property(tries = 200)
    void randomSequencesNeverOverlapNeverLeakAndEndWhereTheyStarted(
            @ForAll @IntRange(min = 1, max = 4096) int start,
            @ForAll @IntRange(min = 1, max = 3000) int pages,
            @ForAll @IntRange(min = 1, max = 5) int sli,
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 999) Integer> ops) {
        Booted b = Booted.normal(start, pages, "min-free-kbytes = 0", "second-level-log2 = " + sli);
        TlsfZone zone = b.zone(ZoneType.NORMAL);
        BitSet held = new BitSet();
        List<long[]> live = new ArrayList<>();
        for (int op : ops) {
            if (live.isEmpty() || op < 550) {
                int order = op % 100 < 60 ? 0 : op % 11;
                long pfn = b.alloc(GFP_KERNEL | __GFP_NOWARN, order);
                if (pfn == PageAllocator.NO_PFN) {
                    assertThat(anyRangeHoldsAlignedBlock(zone, order)).as("order %d failed with a fitting range free", order)
                            .isFalse();
                    continue;
                }
                assertThat(pfn & ((1L << order) - 1)).as("alignment").isZero();
                assertThat(pfn).isGreaterThanOrEqualTo(start);
                assertThat(pfn + (1L << order)).isLessThanOrEqualTo(start + pages);
                int from = (int) (pfn - start);
                assertThat(held.get(from, from + (1 << order)).isEmpty()).as("pfn %d handed out twice", pfn).isTrue();
                held.set(from, from + (1 << order));
                live.add(new long[] {pfn, order});
            } else {
                long[] blk = live.remove(op % live.size());
                held.clear((int) (blk[0] - start), (int) (blk[0] - start) + (1 << blk[1]));
                b.free(blk[0], (int) blk[1]);
            }
            assertThat(b.allocator().nrFreePages(ZoneType.NORMAL) + held.cardinality()).as("no leak").isEqualTo(pages);
            assertThat(TlsfChecker.check(zone)).isEmpty();
        }
        for (long[] blk : live) {
            b.free(blk[0], (int) blk[1]);
        }
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(0, pages));
        b.check();
        assertThat(b.log().lines()).isEmpty();
    }

    private static boolean anyRangeHoldsAlignedBlock(TlsfZone zone, int order) {
        long size = 1L << order;
        for (var e : TlsfChecker.ranges(zone).entrySet()) {
            long pfn = zone.startPfn + e.getKey();
            long aligned = (pfn + size - 1) & -size;
            if (aligned + size <= pfn + e.getValue()) {
                return true;
            }
        }
        return false;
    }
}
