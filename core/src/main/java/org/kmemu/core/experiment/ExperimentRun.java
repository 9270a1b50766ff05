package org.kmemu.core.experiment;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.Kmemu;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.ResolvedConfig;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.TlbStats;
import org.kmemu.core.proc.DebugFs;
import org.kmemu.core.proc.ProcFs;
import org.kmemu.core.trace.KmemHistograms;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.trace.TlbFlushReason;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;

/**
 * One run of an experiment, on the calling thread: prepare the workload, boot the machine (as
 * {@code kmemu boot} does, with the point's keys over the machine file), attach the metric probes to its
 * tracepoints, run the workload through {@link MachineKernelCalls} while {@link RunSampler} samples,
 * then read the totals and the run's files.
 *
 * <p>What {@link RunStats.Totals} holds and where it comes from:
 * <ul>
 *   <li>bytes requested and allocated, allocation failures, call sites: {@link KmemMetrics} on the
 *       kmalloc and kmem_cache_alloc tracepoints, counted from the end of boot (boot's own allocations
 *       are not the workload's);</li>
 *   <li>slab pages: {@link org.kmemu.core.kernel.SlabLayer#nrSlabPages()}, the machine's whole slab
 *       (boot's caches included), as /proc/meminfo's Slab would be; slab waste: those pages' bytes minus
 *       the bytes asked by the objects alive in them that the workload allocated (so boot's live objects
 *       count as waste; kmalloc's large allocations, which are not slabs, are left out);</li>
 *   <li>footprint: {@code totalram_pages() - nr_free_pages()} (pages on per-CPU lists count as used,
 *       as in Linux), peak over the samples and advances ({@link RunSampler});</li>
 *   <li>page allocation failures: the workload's own alloc_pages calls that failed
 *       ({@link FailureCountingCalls}); vmalloc failures are not counted;</li>
 *   <li>fallbacks and fragmenting fallbacks: {@link KmemMetrics} on the mm_page_alloc_extfrag tracepoint,
 *       which the page allocator policy reports through {@link org.kmemu.api.PageAllocatorEvents} when
 *       it takes a block from another migrate type's lists (mm/page_alloc.c {@code __rmqueue_fallback});
 *       over the workload only, as the other counts;</li>
 *   <li>TLB hits, misses, walks: the CPUs' counters ({@link TlbStats}), over the workload only;</li>
 *   <li>{@link RunStats.KernelEvents}: {@link KmemMetrics}' counts of the vmalloc, kmap, tlb_flush and page-fault
 *       tracepoints and {@link KmemHistograms}' histograms, over the workload only.</li>
 * </ul>
 */
final class ExperimentRun {
    private ExperimentRun() {
    }

    /**
     * @param e        the experiment
     * @param spec     a run of its plan
     * @param progress told the run's events done so far, or null
     * @return the run's statistics and files; status failed (with the error) rather than an exception
     */
    static RunOutput run(Experiment e, RunSpec spec, LongConsumer progress) {
        Map<String, String> files = new LinkedHashMap<>();
        ResolvedConfig config = e.config(spec);
        files.put("machine.conf", e.machineFile(spec));
        MachineConfig mc = MachineConfig.parse(config);
        Machine m = null;
        String workloadType = e.workloadSettings(spec).getString("type");
        try {
            WorkloadRun run = e.workloads().prepare(e.workloadSettings(spec), RunContext.beside(e.file(), spec.seed(), mc.cpus()));
            m = Kmemu.boot(e.host(), config);
            KmemMetrics metrics = new KmemMetrics(m.cpus());
            KmemHistograms histograms = new KmemHistograms(m.cpus());
            LiveObjects live = new LiveObjects();
            m.kernel().tracepoints().attach(metrics);
            m.kernel().tracepoints().attach(histograms);
            m.kernel().tracepoints().attach(live);
            long[] tlbBefore = tlb(m);
            RunSampler sampler = new RunSampler(m, metrics, e.sampleEvery(), progress);
            sampler.accept(0);
            FailureCountingCalls calls = new FailureCountingCalls(new MachineKernelCalls(m, sampler), sampler);
            long start = System.nanoTime();
            WorkloadReport report = run.run(calls);
            double wall = (System.nanoTime() - start) / 1e9;
            sampler.finish(report.events());
            m.kernel().tracepoints().detach(metrics);
            m.kernel().tracepoints().detach(histograms);
            m.kernel().tracepoints().detach(live);
            KmemMetrics.Snapshot snap = metrics.snapshot();
            RunStats stats = stats(e, spec, m, workloadType, report, snap, live, sampler, calls, tlbBefore, wall)
                    .withKernelEvents(kernelEvents(snap.events(), histograms.snapshot()));
            files.put(StatsJson.FILE, StatsJson.toJson(stats) + "\n");
            files.put("dmesg", dmesg(m));
            ProcFs proc = new ProcFs(m);
            for (String name : ProcFs.names()) {
                if (proc.exists(name)) {
                    files.put("proc/" + name, proc.read(name));
                }
            }
            DebugFs debugfs = new DebugFs(m);
            for (String name : DebugFs.names()) {
                files.put("debugfs/" + name, debugfs.read(name));
            }
            return new RunOutput(stats, files);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError ex) {
            return failed(e, spec, m, mc, workloadType, files, ex);
        }
    }

    private static RunOutput failed(Experiment e, RunSpec spec, Machine m, MachineConfig mc, String workloadType,
                                    Map<String, String> files, Throwable ex) {
        String error = oneLine(ex);
        RunStats.MachineInfo machine = m != null ? machineInfo(m, mc) : null;
        RunStats stats = new RunStats(spec.index(), spec.name(), spec.point(), spec.repeat(), spec.seed(), "failed", error,
                machine, new RunStats.WorkloadInfo(workloadType, 0, Map.of()), null, List.of(), List.of());
        files.put(StatsJson.FILE, StatsJson.toJson(stats) + "\n");
        if (m != null && !(ex instanceof OutOfMemoryError)) {
            files.put("dmesg", dmesg(m));
        }
        StringWriter trace = new StringWriter();
        ex.printStackTrace(new PrintWriter(trace));
        files.put("error.txt", trace.toString());
        return new RunOutput(stats, files);
    }

    /** The error in one line: a kernel report's first line, or the exception's message. */
    static String oneLine(Throwable ex) {
        String msg;
        if (ex instanceof KernelOopsException oops && !oops.report().isEmpty()) {
            msg = oops.report().get(0);
        } else if (ex instanceof OutOfMemoryError) {
            msg = "out of Java heap (give the JVM more with KMEMU_JAVA_OPTS=-Xmx..., or run fewer at once with -j)";
        } else {
            msg = ex.getMessage() == null ? ex.getClass().getName() : ex.getMessage();
        }
        String first = msg.strip().lines().findFirst().orElse("");
        return ex instanceof org.kmemu.api.ConfigException || ex instanceof KernelOopsException ? first
                : ex.getClass().getSimpleName() + ": " + first;
    }

    private static RunStats stats(Experiment e, RunSpec spec, Machine m, String type, WorkloadReport report,
                                  KmemMetrics.Snapshot snap, LiveObjects live, RunSampler sampler,
                                  FailureCountingCalls calls, long[] tlbBefore, double wall) {
        KmemMetrics.CallSite total = snap.total();
        long slabPages = m.kernel().slab().nrSlabPages();
        long pageSize = 1L << m.pageShift();
        long[] liveInSlabs = {0};
        var frames = m.pageFrames();
        var layout = m.layout();
        int shift = m.pageShift();
        live.forEach((ptr, req) -> {
            long pfn = layout.pa(ptr) >>> shift;
            if (frames.pfnValid(pfn) && (frames.flags(pfn) & PageFlags.PG_SLAB) != 0) {
                liveInSlabs[0] += req;
            }
        });
        long[] tlb = tlb(m);
        long hits = tlb[0] - tlbBefore[0];
        long misses = tlb[1] - tlbBefore[1];
        long walks = tlb[2] - tlbBefore[2];
        RunStats.Totals totals = new RunStats.Totals(wall, wall > 0 ? report.events() / wall : 0,
                total.bytesReq(), total.bytesAlloc(),
                total.bytesAlloc() == 0 ? 0 : 1 - (double) total.bytesReq() / total.bytesAlloc(),
                slabPages, Math.max(0, slabPages * pageSize - liveInSlabs[0]), sampler.peak(), sampler.footprint(),
                total.failures(), calls.pageFailures(), snap.fallbacks(), snap.fragmentingFallbacks(), hits, misses,
                hits + misses == 0 ? 1 : (double) hits / (hits + misses), walks);
        List<RunStats.CallSite> sites = new ArrayList<>();
        for (KmemMetrics.CallSite s : snap.callSites()) {
            sites.add(new RunStats.CallSite(s.callSite(), s.hits(), s.bytesReq(), s.bytesAlloc(), s.waste(), s.failures()));
        }
        return new RunStats(spec.index(), spec.name(), spec.point(), spec.repeat(), spec.seed(), "ok", null,
                machineInfo(m, MachineConfig.parse(e.config(spec))),
                new RunStats.WorkloadInfo(type, report.events(), new LinkedHashMap<>(new TreeMap<>(report.counters()))), totals,
                List.copyOf(sites), sampler.samples());
    }

    /** The counts and histograms of the memory events other than kmem's, as stats.json holds them. */
    static RunStats.KernelEvents kernelEvents(KmemMetrics.Events ev, List<KmemHistograms.Histogram> histograms) {
        Map<String, Long> flushes = new LinkedHashMap<>();
        Map<String, Long> pages = new LinkedHashMap<>();
        for (int r = 0; r < TlbFlushReason.COUNT; r++) {
            flushes.put(TlbFlushReason.key(r), ev.tlbFlushes()[r]);
            pages.put(TlbFlushReason.key(r), ev.tlbFlushPages()[r]);
        }
        List<RunStats.Histogram> hs = new ArrayList<>();
        for (KmemHistograms.Histogram h : histograms) {
            long[] c = h.counts();
            int n = c.length;
            while (n > 0 && c[n - 1] == 0) {
                n--;
            }
            hs.add(new RunStats.Histogram(h.name(), h.log2(), java.util.Arrays.copyOf(c, n)));
        }
        return new RunStats.KernelEvents(ev.vmallocAreas(), ev.vmallocBytes(), ev.vmallocPurges(), ev.kmaps(),
                ev.highKmaps(), flushes, pages, ev.faultsUser(), ev.faultsKernel(), List.copyOf(hs));
    }

    private static RunStats.MachineInfo machineInfo(Machine m, MachineConfig mc) {
        return new RunStats.MachineInfo(mc.archId(), mc.pageAllocatorId(), mc.objectAllocatorId(), m.cpus(),
                m.physPages() << m.pageShift(), 1 << m.pageShift());
    }

    /** @return hits, misses and walks over every CPU */
    private static long[] tlb(Machine m) {
        long[] out = new long[3];
        for (TlbStats s : m.mmu().tlbStats()) {
            out[0] += s.hits();
            out[1] += s.misses();
            out[2] += s.walks();
        }
        return out;
    }

    private static String dmesg(Machine m) {
        StringBuilder sb = new StringBuilder();
        for (KernelLogBuffer.Line line : m.log().lines()) {
            sb.append(line.format()).append('\n');
        }
        return sb.toString();
    }
}
