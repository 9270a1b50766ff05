package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

class SplitMergeTest {
    private static final int MOVABLE = MigrateType.MOVABLE.ordinal();

    /** One order-3 block at P = 0x1238 (8-aligned), nothing else free; no pcp, no watermarks. */
    private static BuddyAllocator oneOrder3Block() {
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves("per-cpu-lists.enabled", false)),
                List.of(TestMachine.span(ZoneType.NORMAL, 0x1200, 0x100)), TestMachine.FLAT, 12, 1, new TestLog());
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m);
        a.freeBootMemory(0x1238, 8);
        return a;
    }

    private static int freeHeadState(BuddyAllocator a, long pfn) {
        BuddyZone z = a.zone(ZoneType.NORMAL);
        return z.state[z.indexOf(pfn)];
    }

    @Test
    void order0FromOrder3KeepsLowestPageAndFreesUpperHalves() {
        BuddyAllocator a = oneOrder3Block();
        assertThat(a.zoneStats(ZoneType.NORMAL).nrFree(3)).isEqualTo(1);

        long p = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);

        assertThat(p).isEqualTo(0x1238);
        assertThat(PageState.isFreeHead(freeHeadState(a, 0x1238 + 4), 2)).isTrue();
        assertThat(PageState.isFreeHead(freeHeadState(a, 0x1238 + 2), 1)).isTrue();
        assertThat(PageState.isFreeHead(freeHeadState(a, 0x1238 + 1), 0)).isTrue();
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.freeBlocks()[MOVABLE]).containsExactly(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(s.freePages()).isEqualTo(7);
    }

    @Test
    void freeingEverythingMergesBackToOneOrder3Block() {
        BuddyAllocator a = oneOrder3Block();
        long p0 = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        long p1 = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        long p2 = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 1);
        long p4 = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 2);
        assertThat(List.of(p0, p1, p2, p4)).containsExactly(0x1238L, 0x1239L, 0x123aL, 0x123cL);
        assertThat(a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NOWARN, 0)).isEqualTo(PageAllocator.NO_PFN);

        a.freePages(0, p2, 1);
        a.freePages(0, p0, 0);
        assertThat(a.zoneStats(ZoneType.NORMAL).nrFree(1)).isEqualTo(1); // p2 waits for p0+p1
        a.freePages(0, p1, 0); // p0+p1 -> order 1, + p2 -> order 2
        assertThat(a.zoneStats(ZoneType.NORMAL).nrFree(2)).isEqualTo(1);
        a.freePages(0, p4, 2);

        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.freeBlocks()[MOVABLE]).containsExactly(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
        assertThat(PageState.isFreeHead(freeHeadState(a, 0x1238), 3)).isTrue();
        assertThat(a.nrBadPages()).isZero();
    }

    @Test
    void splitPageMakesEveryPageAnOrder0AllocationThatMergesBackWhenAllAreFreed() {
        BuddyAllocator a = oneOrder3Block();
        long p = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 3);
        a.splitPage(p, 3);
        assertThat(a.zoneStats(ZoneType.NORMAL).freePages()).isZero();
        for (long q = p + 7; q >= p + 1; q--) {
            a.freePages(0, q, 0);
        }
        assertThat(a.nrBadPages()).as("each page is freed as its own order-0 allocation").isZero();
        assertThat(a.zoneStats(ZoneType.NORMAL).freePages()).isEqualTo(7);
        a.freePages(0, p, 3);
        assertThat(a.nrBadPages()).as("the block no longer exists at order 3").isEqualTo(1);
        a.freePages(0, p, 0);
        assertThat(a.zoneStats(ZoneType.NORMAL).freeBlocks()[MOVABLE]).containsExactly(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
        assertThat(a.nrBadPages()).isEqualTo(1);
    }

    @Test
    void splitPageOfABlockThatIsNotAllocatedIsRefused() {
        BuddyAllocator a = oneOrder3Block();
        long p = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.splitPage(p, 1))
                .hasMessageContaining("expected: an allocated block");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.splitPage(p + 4, 0))
                .hasMessageContaining("expected: an allocated block");
        a.freePages(0, p, 2);
        assertThat(a.nrBadPages()).isZero();
    }

    @Test
    void buddyArithmeticFollowsFindBuddyPfn() {
        // __find_buddy_pfn(): pfn ^ (1 << order); the parent is pfn & buddy.
        assertThat(0x1234L ^ (1 << 2)).isEqualTo(0x1230L);
        assertThat(0x1234L & 0x1230L).isEqualTo(0x1230L);
        assertThat(0x1238L ^ (1 << 3)).isEqualTo(0x1230L);
        // The worked example's pieces are each other's buddies going up.
        assertThat(0x1239L ^ 1).isEqualTo(0x1238L);
        assertThat(0x123aL ^ 2).isEqualTo(0x1238L);
        assertThat(0x123cL ^ 4).isEqualTo(0x1238L);
    }

    @Test
    void blocksDoNotMergeAcrossTheZoneEdge() {
        // Zone [0x1004, 0x1010): pfn 0x1004..0x1007 is an order-2 block whose buddy 0x1000 is outside.
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves("per-cpu-lists.enabled", false)),
                List.of(TestMachine.span(ZoneType.NORMAL, 0x1004, 12)), TestMachine.FLAT, 12, 1, new TestLog());
        BuddyAllocator a = TestMachine.boot(m);
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.freeBlocks()[MOVABLE]).containsExactly(0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0);
        long p = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 2);
        assertThat(p).isEqualTo(0x1004);
        a.freePages(0, p, 2);
        assertThat(a.zoneStats(ZoneType.NORMAL).freeBlocks()[MOVABLE]).containsExactly(0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void bootFreesLargestAlignedBlocks() {
        TestMachine m = new TestMachine(TestMachine.configView(),
                List.of(TestMachine.span(ZoneType.NORMAL, 1, (1 << 20) + 2)), TestMachine.FLAT, 12, 1, new TestLog());
        BuddyAllocator a = TestMachine.boot(m);
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        // [1, 0x100003): 1 (o0), 2 (o1), 4 (o2) ... 512 (o9), then 1023 order-10 blocks, then the tail
        // 0x100000 (o1) and 0x100002 (o0).
        assertThat(s.nrFree(10)).isEqualTo(1023);
        assertThat(s.nrFree(0)).isEqualTo(2);
        assertThat(s.nrFree(1)).isEqualTo(2);
        for (int o = 2; o <= 9; o++) {
            assertThat(s.nrFree(o)).isEqualTo(1);
        }
        assertThat(s.freePages()).isEqualTo((1 << 20) + 2);
    }
}
