package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.Gfp;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.workload.FtraceEvent;
import org.kmemu.core.workload.FtraceReader;
import org.kmemu.core.workload.KmemTraceReplay;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.config.WorkloadSpec;

/** The streaming recorder: ftrace's exact text, in firing order, replayable, with no event kept in memory. */
class TraceRecorderTest {
    /** The header of shared/data/traces/kmem-i386-slub.log (a real i386 3.x kernel's trace file), with its count. */
    private static final String REAL_HEADER = """
            # tracer: nop
            #
            # entries-in-buffer/entries-written: 7/7   #P:1
            #
            #                              _-----=> irqs-off
            #                             / _----=> need-resched
            #                            | / _---=> hardirq/softirq
            #                            || / _--=> preempt-depth
            #                            ||| /     delay
            #           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION
            #              | |       |   ||||       |         |
            """;

    @TempDir
    Path dir;

    private static String finish(TraceRecorder r) throws IOException {
        StringWriter out = new StringWriter();
        r.finish(out);
        return out.toString();
    }

    @Test
    void writesTheRealKernelsHeaderAndLinesExactly() throws IOException {
        TraceRecorder r = new TraceRecorder(1, dir);
        for (String line : TraceBufferTest.REAL) {
            TraceBufferTest.replay(r, line);
        }
        assertThat(finish(r)).isEqualTo(REAL_HEADER + String.join("\n", TraceBufferTest.REAL) + "\n");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("the spool is deleted").isEmpty();
        }
    }

    @Test
    void linesKeepTheOrderEventsFiredInNotTheirTimeStamps() throws IOException {
        TraceRecorder r = new TraceRecorder(2, dir);
        r.kmalloc(1, 5_000, "a", 1, "s", 0x10, 8, 8, Gfp.GFP_KERNEL);
        r.kfree(0, 1_000, "a", 1, "s", 0x10); // CPU 0's clock is behind CPU 1's: still after the kmalloc
        r.mmPageAlloc(0, 2_000, "a", 1, 0xf6bfd000L, 0x3ff, 2, 1, Gfp.GFP_KERNEL);
        r.mmPageFree(1, 6_000, "a", 1, 0xf6bfd000L, 0x3ff, 2);
        r.kmemCacheAlloc(0, 3_000, "a", 1, null, 0x20, 24, 32, Gfp.GFP_KERNEL);
        String text = finish(r);
        assertThat(text).contains("# entries-in-buffer/entries-written: 5/5   #P:2\n");
        assertThat(text.lines().filter(l -> !l.startsWith("#")).map(l -> l.replaceAll(".*: (\\w+): .*", "$1")))
                .containsExactly("kmalloc", "kfree", "mm_page_alloc", "mm_page_free", "kmem_cache_alloc");
        assertThat(text).contains("               a-1     [001] ....     0.000005: kmalloc: call_site=s ptr=10 bytes_req=8"
                        + " bytes_alloc=8 gfp_flags=GFP_KERNEL\n",
                "               a-1     [000] ....     0.000002: mm_page_alloc: page=f6bfd000 pfn=0x3ff order=2 migratetype=1"
                        + " gfp_flags=GFP_KERNEL\n",
                "kmem_cache_alloc: call_site=(null) ptr=20 bytes_req=24");
    }

    @Test
    void manyChunksComeOutWholeAndInOrder() throws IOException {
        TraceRecorder r = new TraceRecorder(1, dir);
        int n = TraceRecorder.CHUNK * 5 + 17;
        for (int i = 0; i < n; i++) {
            r.kfree(0, i * 1000L, "t", 1, "site" + i % 13, i + 1);
        }
        assertThat(r.events()).isEqualTo(n);
        List<FtraceEvent> events = read(finish(r));
        assertThat(events).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(events.get(i).hex("ptr")).as("event %d", i).isEqualTo(i + 1);
            assertThat(events.get(i).field("call_site")).isEqualTo("site" + i % 13);
        }
    }

    @Test
    void aCallSiteWithBlanksIsOneFieldThatReadsBack() throws IOException {
        TraceRecorder r = new TraceRecorder(1, dir);
        r.kmalloc(0, 1_000, "a", 1, "my driver\tprobe", 0x10, 8, 8, Gfp.GFP_KERNEL);
        r.kfree(0, 2_000, "a", 1, "my driver\tprobe", 0x10);
        String text = finish(r);
        assertThat(text).contains("kmalloc: call_site=my_driver_probe ptr=10 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL\n",
                "kfree: call_site=my_driver_probe ptr=10\n");
        List<FtraceEvent> events = read(text);
        assertThat(events).extracting(e -> e.field("call_site")).containsExactly("my_driver_probe", "my_driver_probe");
        assertThat(events.get(0).decimal("bytes_req")).as("the fields after it still parse").isEqualTo(8);
    }

    @Test
    void aRecordingReplaysToTheSameBytesPerCallSite() throws IOException {
        Machine m = TestMachines.x86_64(256L << 20);
        KmemMetrics recorded = new KmemMetrics(m.cpus());
        TraceRecorder r = new TraceRecorder(m.cpus(), dir);
        m.kernel().tracepoints().attach(recorded);
        m.kernel().tracepoints().attach(r);
        Random rnd = new Random(42);
        List<long[]> live = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            Cpu cpu = m.mmu().cpu(i % m.cpus());
            if (live.isEmpty() || rnd.nextInt(3) > 0) {
                long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 256 : 9000);
                long p = m.kernel().slab().kmalloc(cpu, size, Gfp.GFP_KERNEL, "site_" + size % 7);
                live.add(new long[] {p});
            } else {
                long p = live.remove(rnd.nextInt(live.size()))[0];
                m.kernel().slab().kfree(cpu, p, "free_site");
            }
        }
        m.kernel().tracepoints().detach(r);
        m.kernel().tracepoints().detach(recorded);
        List<FtraceEvent> trace = read(finish(r));

        Machine fresh = TestMachines.x86_64(256L << 20);
        KmemMetrics replayed = new KmemMetrics(fresh.cpus());
        fresh.kernel().tracepoints().attach(replayed);
        var report = new KmemTraceReplay(fresh, KmemTraceReplay.Mode.OBJECTS).replay(trace).report();
        assertThat(report.unmatchedFrees()).isZero();
        assertThat(replayed.snapshot().callSites()).isNotEmpty().containsExactlyInAnyOrderElementsOf(recorded.snapshot().callSites());
        assertThat(replayed.snapshot().kfrees()).isEqualTo(recorded.snapshot().kfrees());
    }

    @Test
    void aSyntheticRunRecordedReplaysWithTheTraceWorkloadToTheSameBytesPerCallSite() throws IOException {
        Machine m = TestMachines.x86_64(256L << 20);
        KmemMetrics original = new KmemMetrics(m.cpus());
        RunContext ctx = new RunContext(5, m.cpus(), dir);
        WorkloadRun synthetic = Workloads.builtIn().prepare(WorkloadSpec.parse("type = synthetic, events = 20000, call-sites = 6,"
                + " lifetime { distribution = exponential, mean = 500 }, size { distribution = uniform, min = 1, max = 6000 }").settings(), ctx);
        Path file = dir.resolve("synthetic.trace");
        try (TraceRecorder r = new TraceRecorder(m.cpus(), dir); Writer w = Files.newBufferedWriter(file)) {
            m.kernel().tracepoints().attach(original);
            m.kernel().tracepoints().attach(r);
            synthetic.run(new MachineKernelCalls(m, n -> { }));
            m.kernel().tracepoints().detach(r);
            m.kernel().tracepoints().detach(original);
            r.finish(w);
        }
        Machine fresh = TestMachines.x86_64(256L << 20);
        KmemMetrics replayed = new KmemMetrics(fresh.cpus());
        fresh.kernel().tracepoints().attach(replayed);
        WorkloadRun replay = Workloads.builtIn().prepare(WorkloadSpec.parse("type = trace, file = synthetic.trace").settings(), ctx);
        replay.run(new MachineKernelCalls(fresh, n -> { }));
        assertThat(original.snapshot().callSites()).as("the synthetic run's sites").hasSize(6);
        assertThat(replayed.snapshot().callSites()).containsExactlyInAnyOrderElementsOf(original.snapshot().callSites());
        assertThat(replayed.snapshot().kfrees()).isEqualTo(original.snapshot().kfrees());
    }

    @Test
    void nothingCanBeRecordedAfterFinishAndCloseDropsTheSpool() throws IOException {
        TraceRecorder r = new TraceRecorder(1, dir);
        r.kfree(0, 0, "t", 1, "s", 1);
        finish(r);
        assertThatThrownBy(() -> r.kfree(0, 0, "t", 1, "s", 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after finish");
        TraceRecorder dropped = new TraceRecorder(1, dir);
        dropped.kfree(0, 0, "t", 1, "s", 1);
        dropped.close();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aFailingOutputIsReportedAndTheSpoolStillGoes() throws IOException {
        TraceRecorder r = new TraceRecorder(1, dir);
        r.kfree(0, 0, "t", 1, "s", 1);
        Writer broken = new Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        assertThatThrownBy(() -> r.finish(broken)).isInstanceOf(IOException.class).hasMessageContaining("disk full");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    private static List<FtraceEvent> read(String text) throws IOException {
        return FtraceReader.read(new java.io.BufferedReader(new java.io.StringReader(text))).events();
    }
}
