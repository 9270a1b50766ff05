package org.kmemu.core.experiment;

import java.util.List;
import java.util.Map;

/**
 * One run of an experiment as its {@code stats.json} holds it: which point of the experiment it was,
 * the machine and workload, the totals at the end, the call sites, and the samples taken over the
 * workload's time. {@link StatsJson} reads and writes it; the report and {@code summary.csv} are made
 * from these files alone, so a run done elsewhere (a Spark executor) is reported the same way.
 *
 * <p>Everything but {@link Totals#wallSeconds} and {@link Totals#eventsPerSecond} is a function of the
 * experiment file, the point and the seed: the same inputs give the same values, bit for bit, whatever
 * thread or host ran the run.
 *
 * @param run       the run's index in the experiment's plan, from 0
 * @param name      the run's folder name, e.g. {@code "run-007"}
 * @param point     each varied key and its value at this point, in the experiment's key order
 * @param repeat    which repeat of the point, from 0
 * @param seed      the workload's seed for this run
 * @param status    {@code "ok"} or {@code "failed"}
 * @param error     why the run failed (one line), or null
 * @param machine   the booted machine; null for a run that failed before its machine booted
 * @param workload  what the workload issued (events 0 and no counters for a failed run)
 * @param totals    the measures at the end of the run; null for a failed run (summary.csv leaves its cells empty)
 * @param callSites per call site, as kmem-probe reports them, most waste first (empty for a failed run)
 * @param samples   the measures over the workload's time, in event order; the last one is at the end (empty for
 *                  a failed run)
 * @param kernelEvents the counts and histograms of the memory tracepoints other than the kmem ones, over the
 *                  workload; null for a failed run or a stats.json written before they were counted
 */
public record RunStats(int run, String name, Map<String, String> point, int repeat, long seed, String status,
                       String error, MachineInfo machine, WorkloadInfo workload, Totals totals,
                       List<CallSite> callSites, List<Sample> samples, KernelEvents kernelEvents)
        implements java.io.Serializable {

    /**
     * A run without {@link #kernelEvents} (a failed run, a test's fixture).
     *
     * @param run       the run's index
     * @param name      its folder name
     * @param point     the varied keys' values
     * @param repeat    which repeat
     * @param seed      the workload's seed
     * @param status    "ok" or "failed"
     * @param error     why it failed, or null
     * @param machine   the machine, or null
     * @param workload  the workload
     * @param totals    the totals, or null
     * @param callSites the call sites
     * @param samples   the samples
     */
    public RunStats(int run, String name, Map<String, String> point, int repeat, long seed, String status, String error,
                    MachineInfo machine, WorkloadInfo workload, Totals totals, List<CallSite> callSites,
                    List<Sample> samples) {
        this(run, name, point, repeat, seed, status, error, machine, workload, totals, callSites, samples, null);
    }

    /**
     * @return this run with other kernel events (as the report trims a run's samples and keeps the rest)
     * @param events the kernel events
     */
    public RunStats withKernelEvents(KernelEvents events) {
        return new RunStats(run, name, point, repeat, seed, status, error, machine, workload, totals, callSites, samples,
                events);
    }

    /**
     * The memory tracepoints other than kmem's, counted over the workload by the metric and histogram sinks
     * ({@code KmemMetrics}, {@code KmemHistograms}).
     *
     * @param vmallocAreas   vmap areas allocated (alloc_vmap_area events that found room)
     * @param vmallocBytes   their sizes, guard pages included
     * @param vmallocPurges  lazy purges (purge_vmap_area_lazy), one TLB flush each
     * @param kmaps          kmap, kmap_local_page and kmap_atomic calls (kmemu:kmap)
     * @param highmemKmaps   those that mapped a highmem page
     * @param tlbFlushes     tlb_flush events by reason (the reason's enum name in lower case, e.g.
     *                       {@code local_shootdown}), every reason present
     * @param tlbFlushPages  the pages those flushes named, by reason (flushes of everything, pages -1, left out)
     * @param faultsUser     page_fault_user events
     * @param faultsKernel   page_fault_kernel events
     * @param histograms     the histograms, as {@code KmemHistograms} names them, trailing empty buckets cut
     */
    public record KernelEvents(long vmallocAreas, long vmallocBytes, long vmallocPurges, long kmaps, long highmemKmaps,
                               Map<String, Long> tlbFlushes, Map<String, Long> tlbFlushPages, long faultsUser,
                               long faultsKernel, List<Histogram> histograms) implements java.io.Serializable {
        /** @return tlb_flush events of every reason */
        public long totalTlbFlushes() {
            return tlbFlushes.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * One histogram of a run.
     *
     * @param name   e.g. {@code bytes_req}
     * @param log2   whether bucket b holds the values (2^(b-1), 2^b] (ftrace's {@code .log2}), else the value b
     * @param counts hits per bucket, from bucket 0 to the last one with hits
     */
    public record Histogram(String name, boolean log2, long[] counts) implements java.io.Serializable {
    }

    /**
     * @param arch            architecture id
     * @param pageAllocator   page allocator policy id
     * @param objectAllocator object allocator policy id
     * @param cpus            CPUs
     * @param memoryBytes     RAM
     * @param pageSize        bytes per page
     */
    public record MachineInfo(String arch, String pageAllocator, String objectAllocator, int cpus, long memoryBytes,
                              int pageSize) implements java.io.Serializable {
    }

    /**
     * @param type     the workload's id
     * @param events   events issued
     * @param counters the workload's own counters (e.g. events of a trace it could not place)
     */
    public record WorkloadInfo(String type, long events, Map<String, Long> counters) implements java.io.Serializable {
    }

    /**
     * @param wallSeconds           the workload's wall-clock time (not reproducible)
     * @param eventsPerSecond       events / wallSeconds (not reproducible)
     * @param bytesRequested        bytes the object allocations asked for (kmalloc and kmem_cache_alloc)
     * @param bytesAllocated        bytes they were given
     * @param internalFragmentation 1 - requested / allocated; 0 with no allocation
     * @param slabPages             pages the object allocator holds at the end
     * @param slabWasteBytes        bytes of those pages not holding a live object's requested bytes
     * @param peakFootprintPages    most pages in use (all zones, managed minus free) seen during the run
     * @param finalFootprintPages   pages in use at the end
     * @param allocFailures         object allocations that failed
     * @param pageAllocFailures     page allocations that failed
     * @param fallbacks             page allocations served from another migratetype's free lists, counted from
     *                              the policy's mm_page_alloc_extfrag events; -1: not counted (a run that
     *                              predates the count)
     * @param fragmentingFallbacks  those fallbacks whose block was smaller than a pageblock, leaving it with
     *                              mixed migrate types (the event's {@code fragmenting=1}); -1: not counted
     * @param tlbHits               TLB hits over the run, all CPUs
     * @param tlbMisses             TLB misses
     * @param tlbHitRate            hits / (hits + misses); 1 with no access
     * @param pageWalks             page-table walks (misses that walked)
     */
    public record Totals(double wallSeconds, double eventsPerSecond, long bytesRequested, long bytesAllocated,
                         double internalFragmentation, long slabPages, long slabWasteBytes, long peakFootprintPages,
                         long finalFootprintPages, long allocFailures, long pageAllocFailures, long fallbacks,
                         long fragmentingFallbacks,
                         long tlbHits, long tlbMisses, double tlbHitRate, long pageWalks) implements java.io.Serializable {
    }

    /**
     * @param callSite       the caller, as the trace or workload named it; "(null)" when none
     * @param hits           allocations
     * @param bytesRequested bytes asked
     * @param bytesAllocated bytes given
     * @param waste          given minus asked
     * @param failures       failed allocations
     */
    public record CallSite(String callSite, long hits, long bytesRequested, long bytesAllocated, long waste,
                           long failures) implements java.io.Serializable {
    }

    /**
     * @param events         events done when the sample was taken
     * @param footprintPages pages in use (all zones)
     * @param slabPages      pages the object allocator holds
     * @param bytesRequested bytes asked so far
     * @param bytesAllocated bytes given so far
     * @param failures       failed allocations so far (object and page)
     * @param zones          each populated zone's free lists and fragmentation indexes
     */
    public record Sample(long events, long footprintPages, long slabPages, long bytesRequested, long bytesAllocated,
                         long failures, List<ZoneSample> zones) implements java.io.Serializable {
    }

    /**
     * A zone at a sample, as /proc/buddyinfo and debugfs's extfrag files print it.
     *
     * @param node          NUMA node
     * @param zone          the zone's name, e.g. "Normal"
     * @param freeBlocks    free blocks per order (buddyinfo's columns)
     * @param unusableIndex unusable free space index per order, in thousandths (extfrag/unusable_index)
     * @param extfragIndex  fragmentation index per order, in thousandths; -1000 where the kernel prints
     *                      -1.000 (extfrag/extfrag_index)
     */
    public record ZoneSample(int node, String zone, long[] freeBlocks, int[] unusableIndex, int[] extfragIndex) implements java.io.Serializable {
    }
}
