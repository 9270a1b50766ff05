package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorEvents;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.ZoneType;

/** {@code mm_page_alloc_extfrag} as the buddy reports it through {@link PageAllocatorContext#events()}. */
class ExtfragEventTest {
    private static final int U = MigrateType.UNMOVABLE.ordinal();
    private static final int M = MigrateType.MOVABLE.ordinal();

    record Extfrag(int cpu, long pfn, int allocOrder, int fallbackOrder, int pageblockOrder, int allocMt, int fallbackMt,
                   boolean changeOwnership) {
    }

    /** Records every event; the test thread is every CPU's. */
    static final class Recorder implements PageAllocatorEvents {
        final List<Extfrag> events = new ArrayList<>();

        @Override
        public void mmPageAllocExtfrag(int cpu, long pfn, int allocOrder, int fallbackOrder, int pageblockOrder,
                                       int allocMigratetype, int fallbackMigratetype, boolean changeOwnership) {
            events.add(new Extfrag(cpu, pfn, allocOrder, fallbackOrder, pageblockOrder, allocMigratetype,
                    fallbackMigratetype, changeOwnership));
        }
    }

    private final Recorder recorder = new Recorder();

    private BuddyAllocator machine(int cpus) {
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves(
                "per-cpu-lists.enabled", false, "max-order", 4, "pageblock-order", 3)),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 32)), TestMachine.FLAT, 12, cpus, new TestLog());
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m.with(PerCpuOwnership.UNCHECKED, recorder));
        a.freeBootMemory(0, 32);
        return a;
    }

    @Test
    void takingOverAWholePageblockIsReportedAsNotFragmenting() {
        BuddyAllocator a = machine(2);
        // All 32 pages are movable: an unmovable request falls back to the order-4 movable block at 0.
        assertThat(a.allocPages(1, Gfp.GFP_KERNEL, 0)).isZero();
        assertThat(recorder.events).containsExactly(new Extfrag(1, 0, 0, 4, 3, U, M, true));
        // The block's pageblocks are unmovable now: the next request finds its own type's list.
        a.allocPages(1, Gfp.GFP_KERNEL, 0);
        assertThat(recorder.events).hasSize(1);
    }

    @Test
    void aClaimedPageblockChangesOwnership() {
        BuddyAllocator a = machine(1);
        fillMovable(a);
        for (int p = 8; p <= 13; p++) {
            a.freePages(0, p, 0); // 6 of pageblock [8, 16) free: an unmovable request claims it
        }
        assertThat(a.allocPages(0, Gfp.GFP_KERNEL, 0)).isEqualTo(12);
        // Largest first: the order-2 block at 8 is the fallback; the page returned is 12.
        assertThat(recorder.events).containsExactly(new Extfrag(0, 12, 0, 2, 3, U, M, true));
    }

    @Test
    void aStolenBlockWithoutClaimIsFragmentingAndKeepsOwnership() {
        BuddyAllocator a = machine(1);
        fillMovable(a);
        for (int p = 8; p <= 10; p++) {
            a.freePages(0, p, 0); // 3 free: too few to claim the pageblock
        }
        assertThat(a.allocPages(0, Gfp.GFP_KERNEL, 0)).isEqualTo(8);
        Extfrag e = recorder.events.get(0);
        assertThat(e).isEqualTo(new Extfrag(0, 8, 0, 1, 3, U, M, false));
        assertThat(e.fallbackOrder() < e.pageblockOrder()).as("fragmenting").isTrue();
    }

    @Test
    void noEventWhenTheWantedListHasABlock() {
        BuddyAllocator a = machine(1);
        a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 3);
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void aContextThatPredatesTheHookGetsTheNoOpSink() {
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves()),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 32)), TestMachine.FLAT, 12, 1, new TestLog());
        assertThat(m.events()).isSameAs(PageAllocatorEvents.NONE);
        BuddyAllocator a = TestMachine.boot(m);
        assertThat(a.allocPages(0, Gfp.GFP_KERNEL, 0)).isNotEqualTo(BuddyAllocator.NO_PFN);
    }

    private static void fillMovable(BuddyAllocator a) {
        for (int k = 0; k < 32; k++) {
            assertThat(a.allocPages(0, Gfp.GFP_HIGHUSER_MOVABLE, 0)).isEqualTo(k);
        }
    }
}
