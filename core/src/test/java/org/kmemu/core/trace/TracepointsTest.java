package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

/** The kmem tracepoints: probes attach and detach, the ftrace ring is one of them, and the metric probe counts per CPU. */
class TracepointsTest {
    private final Machine m = TestMachines.x86_64(256L << 20);
    private final Tracepoints tp = m.kernel().tracepoints();
    private final SlabLayer slab = m.kernel().slab();
    private final PageApi pages = m.kernel().pages();
    private final Cpu cpu = m.mmu().cpu(0);

    /** Records each event's name and call site. */
    private static final class Recorder implements KmemProbe {
        final List<String> seen = new ArrayList<>();

        @Override
        public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq, long bytesAlloc,
                            int gfp) {
            seen.add("kmalloc " + callSite + " " + bytesReq);
        }

        @Override
        public void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
            seen.add("kfree " + callSite);
        }
    }

    @Test
    void aBootedMachineFiresIntoNoProbe() {
        assertThat(tp.active()).isFalse();
        assertThat(tp.attached(m.kernel().trace())).isFalse();
    }

    @Test
    void probesSeeEventsOnlyWhileAttachedInAttachOrder() {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        slab.kfree(cpu, slab.kmalloc(cpu, 10, Gfp.GFP_KERNEL, "before"), "before");
        tp.attach(a);
        tp.attach(b);
        tp.attach(a);
        assertThat(tp.active()).isTrue();
        long p = slab.kmalloc(cpu, 40, Gfp.GFP_KERNEL, "probe_me");
        tp.detach(b);
        slab.kfree(cpu, p, "probe_me");
        tp.detach(a);
        slab.kfree(cpu, slab.kmalloc(cpu, 10, Gfp.GFP_KERNEL, "after"), "after");
        assertThat(a.seen).containsExactly("kmalloc probe_me 40", "kfree probe_me");
        assertThat(b.seen).containsExactly("kmalloc probe_me 40");
        assertThat(tp.active()).isFalse();
    }

    @Test
    void theFtraceRingIsAttachedExactlyWhileTracingIsOn() {
        TraceBuffer trace = m.kernel().trace();
        trace.setEnabled(true);
        assertThat(tp.attached(trace)).isTrue();
        slab.kfree(cpu, slab.kmalloc(cpu, 29, Gfp.GFP_KERNEL, "c104de4f"), "c104e161");
        trace.setEnabled(false);
        assertThat(tp.attached(trace)).isFalse();
        slab.kmalloc(cpu, 29, Gfp.GFP_KERNEL, "not_traced");
        assertThat(trace.events()).filteredOn(l -> l.contains(" kmalloc: ") || l.contains(" kfree: ")).hasSize(2);
        assertThat(trace.events()).noneMatch(l -> l.contains("not_traced"));
    }

    @Test
    void theMetricProbeCountsBytesAskedAndGivenPerCallSiteAndPagesPerOrder() {
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        TraceBuffer trace = m.kernel().trace();
        tp.attach(metrics);
        trace.setEnabled(true);
        for (int i = 0; i < 3; i++) {
            slab.kfree(cpu, slab.kmalloc(cpu, 29, Gfp.GFP_KERNEL, "site_a"), "site_a");
        }
        slab.kmalloc(cpu, 100, Gfp.GFP_KERNEL, "site_b");
        long failed = slab.kmalloc(cpu, 1L << 40, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, "site_b");
        long block = pages.allocPages(cpu, Gfp.GFP_KERNEL, 2);
        pages.freePages(cpu, block, 2);
        trace.setEnabled(false);

        KmemMetrics.Snapshot s = metrics.snapshot();
        assertThat(failed).isZero();
        KmemMetrics.CallSite a = s.callSite("site_a");
        assertThat(a.kmallocs()).isEqualTo(3);
        assertThat(a.bytesReq()).isEqualTo(87);
        assertThat(a.bytesAlloc()).isEqualTo(3 * 32); // kmalloc-32
        assertThat(a.waste()).isEqualTo(3 * 3);
        KmemMetrics.CallSite b = s.callSite("site_b");
        assertThat(b.hits()).as("a failed kmalloc is traced too (mm/slub.c __kmalloc_large_noprof)").isEqualTo(2);
        assertThat(b.failures()).isEqualTo(1);
        assertThat(b.bytesReq()).as("the failed call gave nothing").isEqualTo(100);
        assertThat(b.bytesAlloc()).isEqualTo(128);
        assertThat(s.kfrees()).isEqualTo(3);
        assertThat(s.pageAllocs()[2]).isEqualTo(1);
        assertThat(s.pageFrees()[2]).isEqualTo(1);
        // The two probes saw the same events: the ring's bytes_alloc of the calls that succeeded add up to the metric's.
        long ringAlloc = trace.events().stream().filter(l -> l.contains(" kmalloc: ") && !l.contains("bytes_req=" + (1L << 40)))
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*bytes_alloc=(\\d+).*", "$1"))).sum();
        assertThat(ringAlloc).isEqualTo(s.total().bytesAlloc());
        metrics.reset();
        assertThat(metrics.snapshot().callSites()).isEmpty();
        slab.kmalloc(cpu, 8, Gfp.GFP_KERNEL, null);
        assertThat(metrics.snapshot().callSite("(null)").kmallocs()).as("a caller naming no site").isEqualTo(1);
    }

    /** Threads are CPUs: each counts into its own CPU's counts, and no event is lost to another's. */
    @Test
    void eachCpuCountsItsOwnEventsWithoutLosingAny() throws Exception {
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        tp.attach(metrics);
        int per = 20_000;
        CyclicBarrier start = new CyclicBarrier(m.cpus());
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int c = 0; c < m.cpus(); c++) {
            Cpu on = m.mmu().cpu(c);
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < per; i++) {
                        slab.kfree(on, slab.kmalloc(on, 50, Gfp.GFP_KERNEL, "shared_site"), "shared_site");
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "cpu" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
        KmemMetrics.CallSite s = metrics.snapshot().callSite("shared_site");
        assertThat(s.kmallocs()).isEqualTo((long) per * m.cpus());
        assertThat(s.bytesAlloc()).isEqualTo(64L * per * m.cpus());
        assertThat(metrics.snapshot().kfrees()).isEqualTo((long) per * m.cpus());
    }
}
