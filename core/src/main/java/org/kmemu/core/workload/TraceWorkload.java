package org.kmemu.core.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;

/**
 * The {@code trace} workload: replays an ftrace kmem trace ({@link FtraceReader}, plain or .gz) with
 * {@link KmemTraceReplay}.
 *
 * <pre>
 * workload {
 *   type = trace
 *   file = "traces/kmem-i386-slub.log.gz"   # relative to the experiment file
 *   mode = objects                           # objects (default) | pages
 *   touch = false                            # true: write each object (bytes_req) or page just allocated
 * }
 * </pre>
 *
 * <p><b>touch.</b> With {@code touch = true} each allocation that succeeds is written as its caller
 * would initialise it ({@link Touch}: kmalloc and kmem_cache_alloc objects their requested bytes, a page
 * block each of its lowmem pages) through the allocating CPU's MMU, so the TLB columns of a run measure
 * the allocator's placement. Off by default: a replay then makes the trace's calls and nothing else.
 *
 * <p>Each file is read and compiled once per (absolute path, mode, size, modification time) and kept
 * for the life of this workload (the plugin host's): an experiment's runs, prepared on several threads
 * at once, share one {@link CompiledKmemTrace}, which is immutable. A run issues the trace's events and
 * leaves allocated what the trace left allocated.
 *
 * <p>The report's counters are the {@link ReplayReport}'s: {@code events_read}, {@code replayed.NAME}
 * and {@code skipped.NAME} per event name, {@code unmatched_frees}, {@code lost_frees},
 * {@code failed_in_trace}, {@code failed_here}, {@code live_at_end}, {@code cpus_folded} (0 or 1).
 */
public final class TraceWorkload implements Workload {
    /** The compiled traces, by what identifies a file's content. */
    private final Map<Key, CompiledKmemTrace> compiled = new ConcurrentHashMap<>();

    private record Key(Path file, KmemTraceReplay.Mode mode, long size, long modified) {
    }

    /** How many times a file was read and compiled: what the cache saves, for tests. */
    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();

    /** PF4J-style: no work in the constructor. */
    public TraceWorkload() {
    }

    @Override
    public String id() {
        return "trace";
    }

    @Override
    public String description() {
        return "replays an ftrace kmem trace (kmalloc, kmem_cache_*, or mm_page_* with mode = pages)";
    }

    @Override
    public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
        KmemTraceReplay.Mode mode = settings.hasPath("mode") ? settings.getEnum(KmemTraceReplay.Mode.class, "mode")
                : KmemTraceReplay.Mode.OBJECTS;
        String name = settings.getString("file");
        Path file = context.resolve(name);
        boolean touch = settings.hasPath("touch") && settings.getBoolean("touch");
        CompiledKmemTrace trace = compiled(settings, file, mode);
        return new Run(trace, mode, touch);
    }

    /** @return the file's compiled trace, read now if this content was not read before */
    private CompiledKmemTrace compiled(ConfigView settings, Path file, KmemTraceReplay.Mode mode) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw settings.error("file", file + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        if (!attrs.isRegularFile()) {
            throw settings.error("file", file + " is not a file (expected: an ftrace kmem trace, plain or .gz)");
        }
        Key key = new Key(file, mode, attrs.size(), attrs.lastModifiedTime().toMillis());
        // computeIfAbsent runs the read at most once per key, even when several runs prepare at once;
        // a failure stores nothing, so every run that names the file reports it.
        return compiled.computeIfAbsent(key, k -> read(settings, file, mode));
    }

    /** @return how many times a trace file was read and compiled */
    int reads() {
        return reads.get();
    }

    private CompiledKmemTrace read(ConfigView settings, Path file, KmemTraceReplay.Mode mode) {
        reads.incrementAndGet();
        try {
            return CompiledKmemTrace.compile(FtraceReader.read(file).events(), mode);
        } catch (TraceFormatException e) {
            throw settings.error("file", file + ":" + e.line() + ": " + e.problem());
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException c) {
                throw c;
            }
            throw settings.error("file", file + ": cannot read it as a kmem trace (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
        }
    }

    /** One run: a fresh replay (its own pointer maps and caches) of the shared compiled trace. */
    private static final class Run implements WorkloadRun {
        private final CompiledKmemTrace trace;
        private final KmemTraceReplay.Mode mode;
        private final boolean touch;

        Run(CompiledKmemTrace trace, KmemTraceReplay.Mode mode, boolean touch) {
            this.trace = trace;
            this.mode = mode;
            this.touch = touch;
        }

        @Override
        public long plannedEvents() {
            return trace.length();
        }

        @Override
        public WorkloadReport run(KernelCalls kernel) {
            ReplayReport r = new KmemTraceReplay(kernel, mode, touch).replay(trace).report();
            return new WorkloadReport(trace.length(), counters(r));
        }
    }

    /**
     * @param r a replay's report
     * @return its counts by name, as stats.json shows them
     */
    static Map<String, Long> counters(ReplayReport r) {
        Map<String, Long> c = new TreeMap<>();
        c.put("events_read", r.events());
        r.replayed().forEach((k, v) -> c.put("replayed." + k, v));
        r.skipped().forEach((k, v) -> c.put("skipped." + k, v));
        c.put("unmatched_frees", r.unmatchedFrees());
        c.put("lost_frees", r.lostFrees());
        c.put("failed_in_trace", r.failedInTrace());
        c.put("failed_here", r.failedHere());
        c.put("live_at_end", r.liveAtEnd());
        c.put("cpus_folded", r.cpusFolded() ? 1L : 0L);
        return c;
    }
}
