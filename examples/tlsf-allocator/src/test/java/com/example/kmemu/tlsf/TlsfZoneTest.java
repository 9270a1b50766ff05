package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.api.Gfp.GFP_KERNEL;
import static org.kmemu.api.Gfp.__GFP_NOWARN;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/** The TLSF heap of one zone: coalescing, alignment, fragmentation, exhaustion and the bitmaps. */
class TlsfZoneTest {
    /** No watermarks, so that every page of these small zones can be allocated. */
    private static final String NO_RESERVE = "min-free-kbytes = 0";
    private static final long BASE = 0x1000;

    @Test
    void aFreedBlockMergesWithTheRangeBelowAndTheRangeAbove() {
        Booted b = Booted.normal(BASE, 64, NO_RESERVE);
        TlsfZone zone = b.zone(ZoneType.NORMAL);
        // Order 0 takes the lowest page of the smallest big-enough range: A, B, C sit side by side.
        long a = b.alloc(GFP_KERNEL, 0);
        long bb = b.alloc(GFP_KERNEL, 0);
        long c = b.alloc(GFP_KERNEL, 0);
        assertThat(List.of(a, bb, c)).containsExactly(BASE, BASE + 1, BASE + 2);
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(3, 61));

        b.free(a, 0); // no free neighbour below, B above is allocated: a range of its own
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(0, 1, 3, 61));
        b.free(c, 0); // merges with the range above only
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(0, 1, 2, 62));
        b.check();
        b.free(bb, 0); // merges with both: one range again, as at boot
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(0, 64));
        b.check();
    }

    @Test
    void neighboursThatAreNotBuddiesMergeToo() {
        // Pages 3 and 4 are never buddies (different order-1 and order-2 parents); TLSF merges them.
        Booted b = Booted.bareNormal(BASE, 16, NO_RESERVE);
        TlsfZone zone = b.zone(ZoneType.NORMAL);
        b.allocator().freeBootMemory(BASE + 3, 1);
        b.allocator().freeBootMemory(BASE + 4, 1);
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(3, 2));
        b.check();
    }

    @Test
    void everyOrderIsNaturallyAlignedEvenInAZoneThatStartsOffAlignment() {
        // The zone starts at an odd pfn, like ZONE_DMA at pfn 1.
        Booted b = Booted.normal(BASE + 1, 4095, NO_RESERVE);
        for (int order = 0; order <= b.allocator().maxOrder(); order++) {
            long pfn = b.alloc(GFP_KERNEL | __GFP_NOWARN, order);
            assertThat(pfn).as("order %d", order).isNotEqualTo(PageAllocator.NO_PFN);
            assertThat(pfn & ((1L << order) - 1)).as("alignment of order %d at pfn %x", order, pfn).isZero();
            b.check();
        }
    }

    @Test
    void theFragmentLeftInFrontOfAnAlignedBlockServesTheNextSmallerRequest() {
        Booted b = Booted.normal(BASE, 2048, NO_RESERVE);
        TlsfZone zone = b.zone(ZoneType.NORMAL);
        assertThat(b.alloc(GFP_KERNEL, 0)).isEqualTo(BASE);
        // The only range now starts at BASE + 1: the order-3 block goes to BASE + 8 and pages 1..7
        // become a 7-page range of their own, the price of alignment.
        assertThat(b.alloc(GFP_KERNEL, 3)).isEqualTo(BASE + 8);
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(1, 7, 16, 2032));
        // Good fit: an order-2 request takes the small range's aligned half, not the big range.
        assertThat(b.alloc(GFP_KERNEL, 2)).isEqualTo(BASE + 4);
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(1, 3, 16, 2032));
        b.check();
    }

    @Test
    void aRangeTooShortForAnAlignedBlockIsPassedOverAndTheSearchLooksFurther() {
        Booted b = Booted.bareNormal(BASE, 64, NO_RESERVE);
        // 9 free pages at offset 2 (pfns 2..10): no aligned 8-page block fits (8..15 would overrun).
        b.allocator().freeBootMemory(BASE + 2, 9);
        assertThat(b.alloc(GFP_KERNEL | __GFP_NOWARN, 3)).as("9 free pages, no aligned 8 among them")
                .isEqualTo(PageAllocator.NO_PFN);
        // 12 free pages at 21..32 hold 24..31. Fewer than 15, so neither O(1) search finds them (the
        // good fit for 8 pages stops at the 9-page range); the walk of the lists in between does.
        b.allocator().freeBootMemory(BASE + 21, 12);
        assertThat(b.alloc(GFP_KERNEL | __GFP_NOWARN, 3)).isEqualTo(BASE + 24);
        assertThat(TlsfChecker.ranges(b.zone(ZoneType.NORMAL))).isEqualTo(Map.of(2, 9, 21, 3, 32, 1));
        b.check();
    }

    @Test
    void eachOrderExhaustsEveryAlignedBlockAndAllOfItComesBack() {
        for (long start : new long[] {BASE, BASE + 1, BASE + 5}) {
            long pages = 2048 - (start - BASE);
            for (int order = 0; order <= 10; order++) {
                Booted b = Booted.normal(start, pages, NO_RESERVE);
                TlsfZone zone = b.zone(ZoneType.NORMAL);
                long size = 1L << order;
                long possible = (start + pages - ((start + size - 1) & -size)) / size;
                List<Long> got = new ArrayList<>();
                long pfn;
                while ((pfn = b.alloc(GFP_KERNEL | __GFP_NOWARN, order)) != PageAllocator.NO_PFN) {
                    got.add(pfn);
                }
                assertThat(got).as("start %x order %d: every aligned block", start, order).hasSize((int) possible);
                assertThat(b.log().lines()).isEmpty();
                b.check();
                Collections.shuffle(got, new Random(order));
                for (long p : got) {
                    b.free(p, order);
                }
                assertThat(TlsfChecker.ranges(zone)).as("start %x order %d: one range again", start, order)
                        .isEqualTo(Map.of(0, (int) pages));
                assertThat(b.allocator().nrFreePages(ZoneType.NORMAL)).isEqualTo(pages);
                b.check();
            }
        }
    }

    @Test
    void theBitmapsTrackWhichListsHoldRanges() {
        Booted b = Booted.bareNormal(BASE, 4096, NO_RESERVE);
        TlsfZone zone = b.zone(ZoneType.NORMAL);
        TlsfMapping map = zone.mapping();
        assertThat(zone.flBitmapLocked()).isZero();
        b.allocator().freeBootMemory(BASE, 1);          // class (0, 0)
        b.allocator().freeBootMemory(BASE + 10, 200);   // class (7, 9)
        b.allocator().freeBootMemory(BASE + 300, 207);  // class (7, 9) too
        assertThat(zone.flBitmapLocked()).isEqualTo(1 | 1 << 7);
        assertThat(zone.slBitmapLocked(0)).isEqualTo(1);
        assertThat(zone.slBitmapLocked(7)).isEqualTo(1 << 9);
        b.check();
        long p = b.alloc(GFP_KERNEL, 0);
        assertThat(p).as("order 0 takes the single page first (good fit)").isEqualTo(BASE);
        assertThat(zone.flBitmapLocked()).isEqualTo(1 << 7);
        assertThat(zone.slBitmapLocked(0)).isZero();
        // Inside a class TLSF does not look for the best range: it takes the list's head, the range
        // filed last (207 pages at +300); what is left of it goes back at the head of its class.
        for (int k = 0; k < 7; k++) {
            assertThat(b.alloc(GFP_KERNEL, 0)).isEqualTo(BASE + 300 + k);
            assertThat(zone.slBitmapLocked(7)).as("200 pages left at most: still class (7, 9)").isEqualTo(1 << 9);
        }
        // The eighth leaves 199 pages: class (7, 8).
        assertThat(b.alloc(GFP_KERNEL, 0)).isEqualTo(BASE + 307);
        assertThat(map.insertClass(199)).isEqualTo(7 * 16 + 8);
        assertThat(zone.slBitmapLocked(7)).isEqualTo(1 << 9 | 1 << 8);
        // Good fit looks at the smallest class first: the 199 pages, not the 200.
        assertThat(b.alloc(GFP_KERNEL, 0)).isEqualTo(BASE + 308);
        assertThat(TlsfChecker.ranges(zone)).isEqualTo(Map.of(10, 200, 309, 198));
        b.check();
    }

    @Test
    void theCheckerCatchesACorruptedZone() {
        Booted b = Booted.normal(BASE, 64, NO_RESERVE);
        TlsfZone zone = b.zone(ZoneType.NORMAL);
        zone.tags[20] = PageTag.FREE_TAIL;
        assertThat(TlsfChecker.check(zone)).anySatisfy(s -> assertThat(s).contains("interior page 20"));
        zone.tags[20] = PageTag.NONE;
        assertThat(TlsfChecker.check(zone)).isEmpty();
        zone.tags[0] = PageTag.NONE;
        assertThat(TlsfChecker.check(zone)).anySatisfy(s -> assertThat(s).contains("has no head tag"));
    }

    @Test
    void buddyinfoCutsEachRangeIntoAlignedBlocksAndTheRestIsMovable() {
        // The AlignedBlocks example: pfns 0x103..0x10c = 1 + 4 + 4 + 1 pages.
        Booted b = Booted.bareNormal(0x100, 1024, NO_RESERVE);
        b.allocator().freeBootMemory(0x103, 10);
        ZoneStats s = b.allocator().zoneStats(ZoneType.NORMAL);
        assertThat(s.freePages()).isEqualTo(10);
        assertThat(s.nrFree(0)).isEqualTo(2);
        assertThat(s.nrFree(1)).isZero();
        assertThat(s.nrFree(2)).isEqualTo(2);
        assertThat(s.freeBlocks()[MigrateType.UNMOVABLE.ordinal()]).containsOnly(0);
        assertThat(s.pageblocks()[MigrateType.MOVABLE.ordinal()]).as("1024 pages from 0x100 touch 3 pageblocks of 512")
                .isEqualTo(3);
        assertThat(s.pcp()).as("no per-CPU lists").isEmpty();
    }

    @Test
    void isFreePageKnowsEveryPageOfAFreeRange() {
        Booted b = Booted.bareNormal(BASE, 64, NO_RESERVE);
        b.allocator().freeBootMemory(BASE + 8, 20);
        long block = b.alloc(GFP_KERNEL, 2);
        assertThat(block).isEqualTo(BASE + 8);
        for (long pfn = BASE; pfn < BASE + 64; pfn++) {
            boolean free = pfn >= BASE + 12 && pfn < BASE + 28;
            assertThat(b.allocator().isFreePage(pfn)).as("pfn %x", pfn).isEqualTo(free);
        }
        assertThat(b.allocator().isFreePage(BASE + 64)).as("outside every zone").isFalse();
    }
}
