package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocatorEvents;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.PerCpuRecorder;
import org.kmemu.tck.PerCpuRecorder.Call;

/** The buddy checks the CPU it is passed before it touches that CPU's per-CPU lists. */
class PerCpuCheckTest {
    private final PerCpuRecorder recorder = new PerCpuRecorder();

    private BuddyAllocator machine(Object... config) {
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves(config)),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 4096)), TestMachine.FLAT, 12, 4, new TestLog());
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m.with(recorder, PageAllocatorEvents.NONE));
        a.freeBootMemory(0, 4096);
        return a;
    }

    @Test
    void orderZeroAllocAndFreeCheckTheirCpuAndDrainAsksEveryCpuToBeQuiet() {
        BuddyAllocator a = machine();
        long pfn = a.allocPages(2, Gfp.GFP_KERNEL, 0);
        a.freePages(3, pfn, 0);
        Thread me = Thread.currentThread();
        assertThat(recorder.calls()).containsExactly(
                new Call(false, 2, "rmqueue_pcplist", "per_cpu_pages", me),
                new Call(false, 3, "free_unref_page", "per_cpu_pages", me));
        recorder.clear();
        a.drainAllPages();
        assertThat(recorder.calls()).extracting(Call::quiescent, Call::cpu).containsExactly(
                org.assertj.core.groups.Tuple.tuple(true, 0), org.assertj.core.groups.Tuple.tuple(true, 1),
                org.assertj.core.groups.Tuple.tuple(true, 2), org.assertj.core.groups.Tuple.tuple(true, 3));
    }

    @Test
    void higherOrdersAndDisabledListsTouchNoPerCpuState() {
        BuddyAllocator a = machine();
        long pfn = a.allocPages(1, Gfp.GFP_KERNEL, 2);
        a.freePages(1, pfn, 2);
        BuddyAllocator off = machine("per-cpu-lists.enabled", false);
        off.freePages(1, off.allocPages(1, Gfp.GFP_KERNEL, 0), 0);
        assertThat(recorder.calls()).isEmpty();
    }
}
