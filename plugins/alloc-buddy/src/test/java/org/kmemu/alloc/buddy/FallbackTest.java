package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.MigrateType;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

class FallbackTest {
    private static final int U = MigrateType.UNMOVABLE.ordinal();
    private static final int M = MigrateType.MOVABLE.ordinal();
    private static final int R = MigrateType.RECLAIMABLE.ordinal();

    private static BuddyAllocator machine(int maxOrder, int pageblockOrder, int pages) {
        return TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves(
                "per-cpu-lists.enabled", false, "max-order", maxOrder, "pageblock-order", pageblockOrder)),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, pages)), TestMachine.FLAT, 12, 1, new TestLog()));
    }

    @Test
    void fallbackTableIsTheKernels() {
        assertThat(Fallback.fallbacks(U)).containsExactly(R, M);
        assertThat(Fallback.fallbacks(M)).containsExactly(R, U);
        assertThat(Fallback.fallbacks(R)).containsExactly(U, M);
    }

    @Test
    void blockOfAtLeastPageblockOrderIsTakenOverWhole() {
        BuddyAllocator a = machine(4, 3, 32); // two order-4 blocks, four movable 8-page pageblocks
        long pfn = a.allocPages(0, Gfp.GFP_KERNEL, 0);
        assertThat(pfn).isZero();
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.pageblocks()[U]).isEqualTo(2);
        assertThat(s.pageblocks()[M]).isEqualTo(2);
        assertThat(s.freeBlocks()[U]).containsExactly(1, 1, 1, 1, 0);
        assertThat(s.freeBlocks()[M]).containsExactly(0, 0, 0, 0, 1);
    }

    @Test
    void pageblockIsClaimedWhenHalfOfItIsFree() {
        BuddyAllocator a = machine(4, 3, 32);
        for (int k = 0; k < 32; k++) {
            assertThat(a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0)).isEqualTo(k);
        }
        for (int p = 8; p <= 13; p++) {
            a.freePages(0, p, 0); // pageblock [8, 16): 6 free (order 2 at 8, order 1 at 12), 2 movable in use
        }
        long pfn = a.allocPages(0, Gfp.GFP_KERNEL, 0);
        // 6 free + 0 alike >= 4: the block becomes unmovable, then the smallest unmovable block is split.
        assertThat(pfn).isEqualTo(12);
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.pageblocks()[U]).isEqualTo(1);
        assertThat(s.freeBlocks()[U]).containsExactly(1, 0, 1, 0, 0);
        assertThat(s.freeBlocks()[M]).containsExactly(0, 0, 0, 0, 0);
    }

    @Test
    void pageblockIsNotClaimedWhenLessThanHalfIsFree() {
        BuddyAllocator a = machine(4, 3, 32);
        for (int k = 0; k < 32; k++) {
            a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        }
        for (int p = 8; p <= 10; p++) {
            a.freePages(0, p, 0); // 3 free (order 1 at 8, order 0 at 10), 5 movable in use
        }
        long pfn = a.allocPages(0, Gfp.GFP_KERNEL, 0);
        // Largest first: the order-1 block at 8 is split; its other half stays on the movable list.
        assertThat(pfn).isEqualTo(8);
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.pageblocks()[U]).isZero();
        assertThat(s.freeBlocks()[M]).containsExactly(2, 0, 0, 0, 0);
    }

    @Test
    void movableRequestThatCannotStealTakesTheSmallestBlock() {
        BuddyAllocator a = machine(5, 4, 64); // 16-page pageblocks: can_steal needs order >= 2 for movable
        for (int k = 0; k < 64; k++) {
            a.allocPages(0, Gfp.GFP_KERNEL, 0);
        }
        assertThat(a.zoneStats(ZoneType.NORMAL).pageblocks()[U]).isEqualTo(4);
        a.freePages(0, 0, 0);
        a.freePages(0, 1, 0); // order 1 at 0
        a.freePages(0, 20, 0); // order 0 at 20
        long pfn = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        assertThat(pfn).isEqualTo(20);
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.pageblocks()[U]).isEqualTo(4);
        assertThat(s.freeBlocks()[U]).containsExactly(0, 1, 0, 0, 0, 0);
    }

    @Test
    void claimNeedsTheWholePageblockInsideTheZone() {
        // 16 pages with 512-page pageblocks: a steal can never claim, the remainder stays movable.
        BuddyAllocator a = TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves(
                "per-cpu-lists.enabled", false)), List.of(TestMachine.span(ZoneType.NORMAL, 0x100, 16)),
                TestMachine.FLAT, 12, 1, new TestLog()));
        assertThat(a.allocPages(0, Gfp.GFP_KERNEL, 3)).isEqualTo(0x100);
        ZoneStats s = a.zoneStats(ZoneType.NORMAL);
        assertThat(s.freeBlocks()[M][3]).isEqualTo(1);
        assertThat(s.pageblocks()[M]).isEqualTo(1);
    }
}
