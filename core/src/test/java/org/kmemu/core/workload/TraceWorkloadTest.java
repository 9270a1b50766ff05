package org.kmemu.core.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.ExperimentFiles;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.KmemMetrics;

/** The trace workload: files relative to the experiment, plain or gzip, cached, and its errors. */
class TraceWorkloadTest {
    @TempDir
    Path dir;

    private final TraceWorkload workload = new TraceWorkload();

    private static String ev(int cpu, String name, String fields) {
        return "   t-1 [00" + cpu + "] ....     0.000001: " + name + ": " + fields;
    }

    private static final List<String> TRACE = List.of(
            ev(0, "kmalloc", "call_site=a+0x1 ptr=c0001000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL"),
            ev(3, "kmalloc", "call_site=b+0x2 ptr=c0002000 bytes_req=20 bytes_alloc=32 gfp_flags=GFP_KERNEL"),
            ev(1, "kfree", "call_site=a+0x9 ptr=c0001000"),
            ev(1, "kfree", "call_site=a+0x9 ptr=c0009000"),
            ev(0, "mm_page_alloc", "page=f5a3c000 pfn=4660 order=1 migratetype=0 gfp_flags=GFP_KERNEL"));

    private ConfigView settings(String text) {
        return ExperimentFiles.workload(dir.resolve("exp.conf"), "workload {\n  type = trace\n" + text + "\n}\n");
    }

    private WorkloadRun prepare(String text) {
        return workload.prepare(settings(text), new RunContext(1, 2, dir));
    }

    @Test
    void aGzipTraceBesideTheExperimentIsReplayedAndItsCountsReported() throws Exception {
        Files.createDirectories(dir.resolve("traces"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("traces/t.log.gz")))) {
            out.write(String.join("\n", TRACE).getBytes(StandardCharsets.US_ASCII));
        }
        Machine m = TestMachines.x86_64(128L << 20);
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        WorkloadRun run = prepare("file = \"traces/t.log.gz\"");
        assertThat(run.plannedEvents()).isEqualTo(4);
        List<Long> advances = new ArrayList<>();
        WorkloadReport r = run.run(new MachineKernelCalls(m, advances::add));
        assertThat(r.events()).isEqualTo(4);
        assertThat(advances).containsExactly(4L);
        assertThat(r.counters()).containsEntry("events_read", 5L).containsEntry("replayed.kmalloc", 2L)
                .containsEntry("replayed.kfree", 2L).containsEntry("skipped.mm_page_alloc", 1L)
                .containsEntry("unmatched_frees", 1L).containsEntry("live_at_end", 1L).containsEntry("cpus_folded", 1L)
                .containsEntry("failed_here", 0L).containsEntry("failed_in_trace", 0L).containsEntry("lost_frees", 0L);
        assertThat(metrics.snapshot().callSite("b+0x2").bytesReq()).isEqualTo(20);
        assertThat(metrics.snapshot().kfrees()).as("the unmatched free is no call").isEqualTo(1);
    }

    @Test
    void pagesModeReplaysThePageEvents() throws Exception {
        Files.write(dir.resolve("t.log"), TRACE);
        Machine m = TestMachines.x86_64(128L << 20);
        long free = m.nrFreePages();
        WorkloadReport r = prepare("file = t.log\nmode = pages").run(new MachineKernelCalls(m, t -> { }));
        assertThat(r.events()).isEqualTo(1);
        assertThat(r.counters()).containsEntry("replayed.mm_page_alloc", 1L).containsEntry("skipped.kmalloc", 2L);
        assertThat(m.nrFreePages()).isEqualTo(free - 2);
    }

    @Test
    void eachFileIsReadOncePerModeEvenFromManyThreads() throws Exception {
        Files.write(dir.resolve("t.log"), TRACE);
        ConfigView s = settings("file = t.log");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<WorkloadRun>> runs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                runs.add(pool.submit(() -> workload.prepare(s, new RunContext(1, 2, dir))));
            }
            for (Future<WorkloadRun> f : runs) {
                assertThat(f.get().plannedEvents()).isEqualTo(4);
            }
        } finally {
            pool.shutdown();
        }
        assertThat(workload.reads()).isEqualTo(1);
        prepare("file = t.log\nmode = pages");
        assertThat(workload.reads()).as("another mode is another compile").isEqualTo(2);
        Files.write(dir.resolve("t.log"), TRACE.subList(0, 3));
        Files.setLastModifiedTime(dir.resolve("t.log"), java.nio.file.attribute.FileTime.fromMillis(1000));
        assertThat(prepare("file = t.log").plannedEvents()).as("a changed file is read again").isEqualTo(3);
    }

    @Test
    void aMalformedEventNamesTheFileAndItsLine() throws Exception {
        Path t = dir.resolve("bad.log");
        Files.write(t, List.of("# tracer: nop", TRACE.get(0),
                ev(0, "kmalloc", "call_site=a ptr=c0003000 bytes_req=lots bytes_alloc=8 gfp_flags=GFP_KERNEL")));
        assertThatThrownBy(() -> prepare("file = bad.log")).isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("exp.conf") + ":3: workload.file: " + t + ":3: bytes_req=lots (expected: a decimal number)");
    }

    @Test
    void anUnreadableFileIsNamed() throws Exception {
        assertThatThrownBy(() -> prepare("file = nowhere.log")).isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("exp.conf") + ":3: workload.file: " + dir.resolve("nowhere.log") + ": cannot read it (NoSuchFileException)");
        Files.write(dir.resolve("notgz.log.gz"), TRACE);
        assertThatThrownBy(() -> prepare("file = notgz.log.gz")).isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve("notgz.log.gz") + ": cannot read it as a kmem trace (ZipException");
        assertThatThrownBy(() -> prepare("file = t.log\nmode = slabs")).hasMessageContaining("workload.mode: \"slabs\" (expected one of: objects, pages)");
    }

    @Test
    void theBuiltInsAreSelectableAndAnUnknownTypeListsThem() {
        assertThat(Workloads.builtIn().ids()).containsExactly("script", "synthetic", "trace");
        Path exp = dir.resolve("exp.conf");
        assertThatThrownBy(() -> Workloads.builtIn().prepare(
                ExperimentFiles.workload(exp, "workload {\n  type = scripted\n}\n"), new RunContext(1, 2, dir)))
                .hasMessage(exp + ":2: workload.type: no workload \"scripted\" (expected one of: script, synthetic, trace)");
    }
}
