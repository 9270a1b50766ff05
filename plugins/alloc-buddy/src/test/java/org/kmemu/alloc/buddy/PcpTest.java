package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

class PcpTest {

    private static BuddyAllocator machine(Object... pcp) {
        return TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves(pcp)),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 4096)), TestMachine.FLAT, 12, 2, new TestLog()));
    }

    @Test
    void firstAllocationRefillsABatchThatNrFreePagesNoLongerCounts() {
        BuddyAllocator a = machine("per-cpu-lists.batch", 7, "per-cpu-lists.high", 21);
        long p = a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        PerCpuPages pcp = a.pcp(0, ZoneType.NORMAL);
        assertThat(pcp.count).isEqualTo(6);
        assertThat(pcp.high).isEqualTo(21);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(4096 - 7);
        // The next six come from the list, without touching the zone.
        for (int k = 1; k <= 6; k++) {
            assertThat(a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0)).isEqualTo(p + k);
        }
        assertThat(pcp.count).isZero();
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(4096 - 7);
        assertThat(a.pcp(1, ZoneType.NORMAL).count).isZero();
        // LIFO: a freed page is the next one handed out.
        a.freePages(0, p + 3, 0);
        assertThat(a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0)).isEqualTo(p + 3);
    }

    @Test
    void freesSpillPastHighAndDrainRestoresBootState() {
        BuddyAllocator a = machine("per-cpu-lists.batch", 7, "per-cpu-lists.high", 21);
        ZoneStats boot = a.zoneStats(ZoneType.NORMAL);
        List<Long> pages = new ArrayList<>();
        for (int k = 0; k < 100; k++) {
            pages.add(a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0));
        }
        PerCpuPages pcp = a.pcp(1, ZoneType.NORMAL);
        for (long p : pages) {
            a.freePages(1, p, 0); // freed on another CPU: they park on CPU 1's list
            assertThat(pcp.count).isLessThan(21);
        }
        long parked = pcp.count + a.pcp(0, ZoneType.NORMAL).count;
        assertThat(parked).isPositive();
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(4096 - parked);

        a.drainAllPages();

        ZoneStats drained = a.zoneStats(ZoneType.NORMAL);
        assertThat(drained.freePages()).isEqualTo(4096);
        assertThat(drained.freeBlocks()).isDeepEqualTo(boot.freeBlocks());
        assertThat(pcp.count).isZero();
    }

    @Test
    void autoHighGrowsOnRefillsBetweenHighMinAndHighMax() {
        BuddyAllocator a = TestMachine.boot(new TestMachine(TestMachine.configView(),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 1 << 18)), TestMachine.FLAT, 12, 2, new TestLog()));
        PerCpuPages pcp = a.pcp(0, ZoneType.NORMAL);
        // 2^18 pages: batch min(256, 256) / 4 = 64 -> 2^6 - 1 = 63; high_max 2^18 / 8 / 2 = 16384.
        assertThat(pcp.batch).isEqualTo(63);
        assertThat(pcp.highMax).isEqualTo(16384);
        assertThat(pcp.high).isZero();
        List<Long> pages = new ArrayList<>();
        for (int k = 0; k < 1000; k++) {
            pages.add(a.allocPages(0, Gfp.GFP_KERNEL, 0));
        }
        assertThat(pcp.high).isGreaterThan(pcp.highMin).isLessThanOrEqualTo(pcp.highMax);
        assertThat(pcp.allocFactor).isPositive();
        for (long p : pages) {
            a.freePages(0, p, 0);
        }
        assertThat(pcp.allocFactor).isZero();
        a.drainAllPages();
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(1 << 18);
    }

    @Test
    void withoutPerCpuListsOrderZeroGoesStraightToTheBuddy() {
        BuddyAllocator a = machine("per-cpu-lists.enabled", false);
        long p = a.allocPages(0, Gfp.GFP_KERNEL, 0);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(4095);
        a.freePages(0, p, 0);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(4096);
        assertThat(a.zoneStats(ZoneType.NORMAL).pcp()).isEmpty();
    }
}
