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
 */
public record RunStats(int run, String name, Map<String, String> point, int repeat, long seed, String status,
                       String error, MachineInfo machine, WorkloadInfo workload, Totals totals,
                       List<CallSite> callSites, List<Sample> samples) implements java.io.Serializable {

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
