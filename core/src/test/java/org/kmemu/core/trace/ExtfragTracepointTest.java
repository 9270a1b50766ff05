package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorEvents;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * mm_page_alloc_extfrag: the page allocator's fallbacks reach the machine's tracepoints, the ftrace ring
 * prints them as the kernel's TP_printk does, and {@link KmemMetrics} counts them.
 */
class ExtfragTracepointTest {
    private static final int U = MigrateType.UNMOVABLE.ordinal();

    /**
     * include/trace/events/kmem.h, TRACE_EVENT(mm_page_alloc_extfrag): TP_printk("page=%p pfn=0x%lx
     * alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d fallback_migratetype=%d
     * fragmenting=%d change_ownership=%d", ...), fragmenting being fallback_order < pageblock_order; kmemu
     * prints %p as the 3.x kernels of its traces did (hex without 0x), as for mm_page_alloc.
     */
    @Test
    void theRingPrintsTheKernelsFormat() {
        TraceBuffer b = new TraceBuffer(16, 2);
        b.setEnabled(true);
        b.tracepoints().mmPageAllocExtfrag(1, 1_230_000_000L, "kworker/1:0", 25, 0xc1a00040L, 0x1002, 0, 2, 9, 0, 1, false);
        b.tracepoints().mmPageAllocExtfrag(0, 1_240_000_000L, "insmod", 7, 0xc1b00000L, 0x8000, 1, 10, 9, 2, 1, true);
        assertThat(b.events()).containsExactly(
                "     kworker/1:0-25    [001] ....     1.230000: mm_page_alloc_extfrag: page=c1a00040 pfn=0x1002"
                        + " alloc_order=0 fallback_order=2 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1"
                        + " fragmenting=1 change_ownership=0",
                "          insmod-7     [000] ....     1.240000: mm_page_alloc_extfrag: page=c1b00000 pfn=0x8000"
                        + " alloc_order=1 fallback_order=10 pageblock_order=9 alloc_migratetype=2 fallback_migratetype=1"
                        + " fragmenting=0 change_ownership=1");
    }

    @Test
    void metricsCountFallbacksAndFragmentingOnesPerRunAndReset() {
        KmemMetrics metrics = new KmemMetrics(2);
        metrics.mmPageAllocExtfrag(0, 0, "a", 1, 0, 1, 0, 2, 9, 0, 1, false);
        metrics.mmPageAllocExtfrag(1, 0, "a", 1, 0, 2, 0, 9, 9, 0, 1, true);
        metrics.mmPageAllocExtfrag(1, 0, "a", 1, 0, 3, 0, 10, 9, 0, 1, true);
        KmemMetrics.Snapshot s = metrics.snapshot();
        assertThat(s.fallbacks()).isEqualTo(3);
        assertThat(s.fragmentingFallbacks()).as("only fallback_order < pageblock_order").isEqualTo(1);
        metrics.reset();
        assertThat(metrics.snapshot().fallbacks()).isZero();
        assertThat(metrics.snapshot().fragmentingFallbacks()).isZero();
    }

    record Event(int cpu, String comm, long page, long pfn, int allocOrder, int fallbackOrder, int pageblockOrder,
                 int allocMt, int fallbackMt, boolean changeOwnership) {
    }

    /** A test policy that keeps the events sink the host gave it, to report as a fallback-taking policy would. */
    private static final class Capturing implements PageAllocatorPolicy {
        PageAllocatorEvents events;

        @Override
        public String id() {
            return FirstFitPolicy.ID;
        }

        @Override
        public String description() {
            return "first-fit, keeping the host's events sink";
        }

        @Override
        public PageAllocator create(PageAllocatorContext context) {
            events = context.events();
            return new FirstFitPolicy().create(context);
        }
    }

    @Test
    void thePolicysReportReachesTheTracepointsStampedByTheCpu() {
        Capturing policy = new Capturing();
        X86_64TestArch arch = new X86_64TestArch();
        Machine m = Boot.boot(TestMachines.config(arch.id(), 64L << 20, 2), arch, policy, TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig());
        assertThat(policy.events).isNotSameAs(PageAllocatorEvents.NONE);
        List<Event> events = new ArrayList<>();
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        m.kernel().tracepoints().attach(new KmemProbe() {
            @Override
            public void mmPageAllocExtfrag(int cpu, long nanos, String comm, int pid, long page, long pfn, int allocOrder,
                                           int fallbackOrder, int pageblockOrder, int allocMigratetype,
                                           int fallbackMigratetype, boolean changeOwnership) {
                events.add(new Event(cpu, comm, page, pfn, allocOrder, fallbackOrder, pageblockOrder, allocMigratetype,
                        fallbackMigratetype, changeOwnership));
            }
        });
        m.kernel().trace().setEnabled(true);
        long pfn = m.kernel().pages().allocPages(m.mmu().cpu(1), Gfp.GFP_KERNEL, 1);
        // What the buddy's __rmqueue_fallback reports, on the allocating CPU's thread (this one).
        policy.events.mmPageAllocExtfrag(1, pfn, 1, 3, 9, U, MigrateType.MOVABLE.ordinal(), false);

        long page = m.memmapVirt() + pfn * m.arch().structPageBytes();
        String comm = m.mmu().cpu(1).current().comm();
        assertThat(events).containsExactly(new Event(1, comm, page, pfn, 1, 3, 9, U, MigrateType.MOVABLE.ordinal(), false));
        assertThat(metrics.snapshot().fallbacks()).isEqualTo(1);
        assertThat(metrics.snapshot().fragmentingFallbacks()).isEqualTo(1);
        assertThat(m.kernel().trace().events()).last().asString().endsWith("mm_page_alloc_extfrag: page="
                + Long.toHexString(page) + " pfn=0x" + Long.toHexString(pfn) + " alloc_order=1 fallback_order=3"
                + " pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=1 change_ownership=0");

        // With no probe attached the sink drops the event before it asks a CPU for anything.
        m.kernel().tracepoints().detach(metrics);
        m.kernel().trace().setEnabled(false);
        events.clear();
        policy.events.mmPageAllocExtfrag(0, pfn, 1, 3, 9, U, 1, false);
        assertThat(events).as("the probe is still attached").hasSize(1);
        assertThat(metrics.snapshot().fallbacks()).as("detached").isEqualTo(1);
    }
}
