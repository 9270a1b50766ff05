package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.FtraceEvent;
import org.kmemu.core.workload.FtraceReader;
import org.kmemu.core.workload.KmemTraceReplay;
import org.kmemu.api.WorkloadReport;
import org.kmemu.core.config.WorkloadSpec;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/**
 * {@code ./kmemu trace record}: the file is ftrace's trace text, column for column as the real 2012 i386
 * traces (src/test/resources/traces) print each event, FtraceReader reads all of it, and it replays on a
 * fresh machine under the same policy to the same bytes asked and given per call site.
 */
class TraceRecordTest {
    private static final Path I386 = Launcher.ROOT.resolve("config/machines/i386-highmem.conf");

    /** One line of each event from the real kmem-i386-slub.log (as shared/data/traces has it). */
    private static final Map<String, String> REAL = Map.of(
            "kmalloc", "            init-1     [000] .N..     0.170000: kmalloc: call_site=c104de4f ptr=c143de20 bytes_req=29"
                    + " bytes_alloc=32 gfp_flags=GFP_KERNEL",
            "kfree", "            init-1     [000] .N..     0.170000: kfree: call_site=c10c283a ptr=  (null)",
            "kmem_cache_alloc", "            init-1     [000] .N..     0.170000: kmem_cache_alloc: call_site=c10bc38e ptr=c1614f80"
                    + " bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL|GFP_ZERO",
            "kmem_cache_free", "            init-1     [000] .N..     0.170000: kmem_cache_free: call_site=c10c226b ptr=c163a850");

    private static final String HEADER = """
            # tracer: nop
            #
            # entries-in-buffer/entries-written: %d/%d   #P:2
            #
            #                              _-----=> irqs-off
            #                             / _----=> need-resched
            #                            | / _---=> hardirq/softirq
            #                            || / _--=> preempt-depth
            #                            ||| /     delay
            #           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION
            #              | |       |   ||||       |         |
            """;

    private static final Pattern LINE = Pattern.compile("^( *\\S.*)-(\\d+) +\\[(\\d{3})\\] (\\S{4}) +(\\d+\\.\\d{6}): (\\w+): (.*)$");

    @TempDir
    Path dir;

    /** Objects of many sizes from several call sites on both CPUs, half freed, and a cache's objects. */
    private Path script() throws IOException {
        Path s = dir.resolve("mix.jsh");
        Files.writeString(s, """
                Random rnd = new Random(7);
                List<long[]> live = new ArrayList<>();
                int cache = kernel.kmemCacheCreate("test_cache", 200, 0, 0);
                for (int i = 0; i < 4000; i++) {
                    int c = i % 2;
                    if (live.isEmpty() || rnd.nextInt(3) > 0) {
                        long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 300 : 6000);
                        if (i % 5 == 0) {
                            live.add(new long[] {kernel.kmemCacheAlloc(c, cache, Gfp.GFP_KERNEL, "cache_site"), 1});
                        } else {
                            live.add(new long[] {kernel.kmalloc(c, size, Gfp.GFP_KERNEL, "site_" + size % 5), 0});
                        }
                    } else {
                        long[] o = live.remove(rnd.nextInt(live.size()));
                        if (o[1] == 1) {
                            kernel.kmemCacheFree(c, cache, o[0], "cache_free_site");
                        } else {
                            kernel.kfree(c, o[0], "free_site");
                        }
                    }
                }
                kernel.kfree(0, 0, "free_site");
                """);
        return s;
    }

    @Test
    void theRecordingIsFtracesTextAndReplaysToTheSameBytesPerCallSite() throws IOException {
        Path out = dir.resolve("kmem.trace");
        Launcher.Result r = Launcher.run("trace", "record", "-q", "-c", I386.toString(),
                "--workload", "type=script,file=\"" + script() + "\"", "-o", out.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as("--quiet").isEmpty();
        assertThat(r.stdout()).isEmpty();
        List<String> lines = Files.readAllLines(out);
        long events = lines.stream().filter(l -> !l.startsWith("#")).count();
        assertThat(String.join("\n", lines.subList(0, 11)) + "\n").isEqualTo(HEADER.formatted(events, events));

        Map<String, String> firstOf = new HashMap<>();
        for (String l : lines.subList(11, lines.size())) {
            Matcher m = LINE.matcher(l);
            assertThat(m.matches()).as(l).isTrue();
            assertThat(m.group(4)).isEqualTo("....");
            firstOf.putIfAbsent(m.group(6), l);
        }
        assertThat(firstOf.keySet()).contains("kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free", "mm_page_alloc");
        for (Map.Entry<String, String> real : REAL.entrySet()) {
            String mine = firstOf.get(real.getKey());
            assertThat(mine.indexOf('[')).as("the CPU column of " + mine).isEqualTo(real.getValue().indexOf('['));
            assertThat(mine.indexOf(": ")).as("the time stamp's end in " + mine).isEqualTo(real.getValue().indexOf(": "));
            assertThat(keys(mine)).as("the fields of " + real.getKey()).isEqualTo(keys(real.getValue()));
        }
        assertThat(lines).as("kfree(NULL) as 3.x printed it").anyMatch(l -> l.endsWith("kfree: call_site=free_site ptr=  (null)"));

        FtraceReader read = FtraceReader.read(out);
        assertThat(read.events()).hasSize((int) events);
        assertThat(read.otherLines()).isZero();

        // What the recorded machine did, per call site, as the file says it.
        Map<String, long[]> recorded = bytesPerCallSite(read.events());
        Machine fresh = Kmemu.boot(I386, Map.of(), Launcher.DIST.resolve("plugins"));
        KmemMetrics metrics = new KmemMetrics(fresh.cpus());
        fresh.kernel().tracepoints().attach(metrics);
        var report = new KmemTraceReplay(fresh, KmemTraceReplay.Mode.OBJECTS).replay(read.events()).report();
        assertThat(report.unmatchedFrees()).isZero();
        assertThat(recorded).as("site_0 ... site_4 and cache_site").hasSize(6);
        for (Map.Entry<String, long[]> site : recorded.entrySet()) {
            KmemMetrics.CallSite replayed = metrics.snapshot().callSite(site.getKey());
            assertThat(new long[] {replayed.bytesReq(), replayed.bytesAlloc()}).as(site.getKey()).containsExactly(site.getValue());
        }
    }

    @Test
    void aSyntheticRecordingReplaysWithTheTraceWorkloadUnderTheSamePolicy() throws IOException {
        Path out = dir.resolve("synthetic.trace");
        Launcher.Result r = Launcher.run("trace", "record", "-q", "-c", I386.toString(), "-D", "kmemu.machine.object-allocator=slab",
                "--workload", "config/workloads/synthetic-kmalloc.conf", "-o", out.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        Map<String, long[]> recorded = bytesPerCallSite(FtraceReader.read(out).events());
        assertThat(recorded).as("the workload's 4 call sites").hasSize(4);

        Machine fresh = Kmemu.boot(I386, Map.of("kmemu.machine.object-allocator", "slab"), Launcher.DIST.resolve("plugins"));
        KmemMetrics metrics = new KmemMetrics(fresh.cpus());
        fresh.kernel().tracepoints().attach(metrics);
        WorkloadReport report = Workloads.builtIn().prepare(WorkloadSpec.parse("type = trace, file = synthetic.trace").settings(),
                new RunContext(1, fresh.cpus(), dir)).run(new MachineKernelCalls(fresh, n -> { }));
        assertThat(report.events()).isPositive();
        for (Map.Entry<String, long[]> site : recorded.entrySet()) {
            KmemMetrics.CallSite replayed = metrics.snapshot().callSite(site.getKey());
            assertThat(new long[] {replayed.bytesReq(), replayed.bytesAlloc()}).as(site.getKey()).containsExactly(site.getValue());
        }
    }

    /** Bytes asked and given per call site, as a trace's kmalloc and kmem_cache_alloc lines say. */
    private static Map<String, long[]> bytesPerCallSite(List<FtraceEvent> events) {
        Map<String, long[]> out = new HashMap<>();
        for (FtraceEvent e : events) {
            if (e.name().equals("kmalloc") || e.name().equals("kmem_cache_alloc")) {
                long[] b = out.computeIfAbsent(e.field("call_site"), k -> new long[2]);
                b[0] += e.decimal("bytes_req");
                b[1] += e.decimal("bytes_alloc");
            }
        }
        return out;
    }

    @Test
    void toStandardOutputWithProgressAndSummaryOnStderr() throws IOException {
        Launcher.Result r = Launcher.run("trace", "record", "-c", I386.toString(), "--workload", "type=script,file=\"" + script() + "\"");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("# tracer: nop\n");
        long events = r.stdout().lines().filter(l -> !l.startsWith("#")).count();
        assertThat(r.stderr()).endsWith("kmemu: trace record: " + events + " kmem events (the workload issued 4001)\n");
    }

    @Test
    void aBadWorkloadIsRefusedWithWhereItIsWrong() throws IOException {
        Path spec = dir.resolve("exp.conf");
        Files.writeString(spec, "name = x\nworkload {\n  type = script\n  file = nosuch.jsh\n}\n");
        Launcher.Result r = Launcher.run("trace", "record", "--workload", spec.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("kmemu: " + spec + ":4: workload.file: cannot read the script " + dir.resolve("nosuch.jsh")
                + ": no such file\n");
        // The workload is read before the machine boots: on a machine too big for the heap the workload's error
        // still comes first (booting first would have answered with the heap refusal).
        r = Launcher.run("trace", "record", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=16T",
                "--workload", spec.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).startsWith("kmemu: " + spec + ":4: workload.file: cannot read the script");
        r = Launcher.run("trace", "record", "--workload", "type=nosuch");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("kmemu: command line (--workload): workload.type: no workload \"nosuch\" (expected one of: ");
        Path broken = dir.resolve("broken.jsh");
        Files.writeString(broken, "int a = 1;\nint b = a / 0;\n");
        r = Launcher.run("trace", "record", "--workload", "type=script,file=\"" + broken + "\"", "-o", dir.resolve("t").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).endsWith("kmemu: trace record: the workload failed: " + broken + ":2: java.lang.ArithmeticException: / by zero\n");
        assertThat(dir.resolve("t")).as("no trace of a failed run").doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left).as("nor its spool").noneMatch(p -> p.toString().endsWith(".spool"));
        }
    }

    @Test
    void aMillionEventsStreamToTheFileInAHeapThatCouldNotHoldThem() throws IOException {
        // 1,000,000 calls print about 120 MB of text: a recorder that kept the lines (or the records) would
        // not fit in 48 MiB beside the machine.
        Path big = dir.resolve("big.jsh");
        Files.writeString(big, """
                for (int i = 0; i < 500_000; i++) {
                    kernel.kfree(i % 2, kernel.kmalloc(i % 2, 1 + i % 3000, Gfp.GFP_KERNEL, "big_" + (i % 7)), "big_free");
                }
                """);
        Path out = dir.resolve("big.trace");
        Launcher.Result r = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", "-Xmx48m"), "trace", "record", "-q",
                "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=128M",
                "--workload", "type=script,file=\"" + big + "\"", "-o", out.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        long events;
        try (var lines = Files.lines(out)) {
            events = lines.filter(l -> !l.startsWith("#")).count();
        }
        assertThat(events).as("every kmalloc and kfree, and the slab pages").isGreaterThan(1_000_000);
        try (var lines = Files.lines(out)) {
            assertThat(lines.skip(2).findFirst().orElseThrow()).isEqualTo("# entries-in-buffer/entries-written: " + events + "/" + events
                    + "   #P:2");
        }
        Files.delete(out);
    }

    private static List<String> keys(String line) {
        String fields = line.substring(line.indexOf(": ", line.indexOf(": ") + 2) + 2).replace("ptr=  (null)", "ptr=0");
        return Pattern.compile("(\\w+)=").matcher(fields).results().map(m -> m.group(1)).toList();
    }
}
