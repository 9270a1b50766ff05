package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.LogLevel;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

class BadPageTest {
    private final TestLog log = new TestLog();

    /** Normal zone [0x40, 0x80), of which only [0x40, 0x60) is handed to the allocator. */
    private BuddyAllocator machine(boolean pcp) {
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves("per-cpu-lists.enabled", pcp)),
                List.of(new org.kmemu.api.ZoneSpan(ZoneType.NORMAL, 0x40, 0x40, 0x40, 0x20)), TestMachine.FLAT, 12, 1, log);
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m);
        a.freeBootMemory(0x40, 0x20);
        return a;
    }

    /** Frees badly and checks the report, the counter and that nothing changed. */
    private void expectBadFree(BuddyAllocator a, long pfn, int order, String reason) {
        ZoneStats before = a.zoneStats(ZoneType.NORMAL);
        long bad = a.nrBadPages();
        int lines = log.lines().size();

        a.freePages(0, pfn, order);

        assertThat(a.nrBadPages()).isEqualTo(bad + 1);
        assertThat(log.lines().subList(lines, log.lines().size())).containsExactly(
                String.format("BUG: Bad page state in process swapper/0  pfn:%05x", pfn),
                "page dumped because: " + reason);
        assertThat(log.levels.get(lines)).isEqualTo(LogLevel.ALERT);
        ZoneStats after = a.zoneStats(ZoneType.NORMAL);
        assertThat(after.freePages()).isEqualTo(before.freePages());
        assertThat(after.freeBlocks()).isDeepEqualTo(before.freeBlocks());
        assertThat(after.pcp()).isEqualTo(before.pcp());
    }

    @Test
    void doubleFreeOfAPageOnAPerCpuList() {
        BuddyAllocator a = machine(true);
        long p = a.allocPages(0, Gfp.GFP_KERNEL, 0);
        a.freePages(0, p, 0);
        expectBadFree(a, p, 0, "double free: page is already free (on a per-CPU list)");
    }

    @Test
    void doubleFreeOfABuddyPage() {
        BuddyAllocator a = machine(false);
        long p = a.allocPages(0, Gfp.GFP_KERNEL, 1);
        long q = a.allocPages(0, Gfp.GFP_KERNEL, 1);
        // Fallback splits the largest movable block each time: p = 0x40 (from the order-5 block),
        // q = 0x50 (from the order-4 half). Freed, q merges back into the order-4 block at 0x50.
        assertThat(List.of(p, q)).containsExactly(0x40L, 0x50L);
        a.freePages(0, q, 1);
        expectBadFree(a, q, 1, "double free: page is already free (PageBuddy, order 4)");
        a.freePages(0, p, 1); // now everything merges, and q lies inside a free block
        expectBadFree(a, q, 1, "double free: page lies inside the free order-5 block at pfn:00040");
    }

    @Test
    void neverAllocatedPages() {
        BuddyAllocator a = machine(true);
        expectBadFree(a, 0x70, 0, "page was never allocated (not handed out by the page allocator)");
        expectBadFree(a, 0x1000, 0, "pfn outside every zone");
    }

    @Test
    void wrongOrderAndTailPage() {
        BuddyAllocator a = machine(true);
        long p = a.allocPages(0, Gfp.GFP_KERNEL, 2);
        expectBadFree(a, p, 1, "freed with order 1 but allocated with order 2");
        expectBadFree(a, p + 1, 0, String.format(
                "tail page of the allocated order-2 block at pfn:%05x (expected: the block's head page)", p));
        expectBadFree(a, p + 2, 1, String.format(
                "tail page of the allocated order-2 block at pfn:%05x (expected: the block's head page)", p));
        a.freePages(0, p, 2); // the right free still works
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(0x20);
        assertThat(a.nrBadPages()).isEqualTo(3);
    }
}
