package org.kmemu.core.experiment;

import java.util.List;
import java.util.function.Function;

/**
 * The metric columns of {@code summary.csv}, in their fixed order: the workload's event count, then
 * {@link RunStats.Totals}' fields in snake case, then the counts of {@link RunStats.KernelEvents} that are one
 * number (vmalloc areas, bytes and purges, kmaps, TLB flushes of every reason, user and kernel faults; the
 * histograms are in stats.json and the report). {@code wall_seconds} and {@code events_per_second} come
 * last: they are the only columns that differ between two runs of the same experiment.
 */
final class Metrics {
    private Metrics() {
    }

    /** One column: its name and how to read it from a successful run. */
    private record Column(String name, Function<RunStats, String> value) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("events", s -> Long.toString(s.workload().events())),
            new Column("bytes_requested", s -> Long.toString(s.totals().bytesRequested())),
            new Column("bytes_allocated", s -> Long.toString(s.totals().bytesAllocated())),
            new Column("internal_fragmentation", s -> Double.toString(s.totals().internalFragmentation())),
            new Column("slab_pages", s -> Long.toString(s.totals().slabPages())),
            new Column("slab_waste_bytes", s -> Long.toString(s.totals().slabWasteBytes())),
            new Column("peak_footprint_pages", s -> Long.toString(s.totals().peakFootprintPages())),
            new Column("final_footprint_pages", s -> Long.toString(s.totals().finalFootprintPages())),
            new Column("alloc_failures", s -> Long.toString(s.totals().allocFailures())),
            new Column("page_alloc_failures", s -> Long.toString(s.totals().pageAllocFailures())),
            new Column("fallbacks", s -> counted(s.totals().fallbacks())),
            new Column("fragmenting_fallbacks", s -> counted(s.totals().fragmentingFallbacks())),
            new Column("tlb_hits", s -> Long.toString(s.totals().tlbHits())),
            new Column("tlb_misses", s -> Long.toString(s.totals().tlbMisses())),
            new Column("tlb_hit_rate", s -> Double.toString(s.totals().tlbHitRate())),
            new Column("page_walks", s -> Long.toString(s.totals().pageWalks())),
            new Column("vmalloc_areas", s -> events(s, RunStats.KernelEvents::vmallocAreas)),
            new Column("vmalloc_bytes", s -> events(s, RunStats.KernelEvents::vmallocBytes)),
            new Column("vmalloc_purges", s -> events(s, RunStats.KernelEvents::vmallocPurges)),
            new Column("kmaps", s -> events(s, RunStats.KernelEvents::kmaps)),
            new Column("tlb_flushes", s -> events(s, RunStats.KernelEvents::totalTlbFlushes)),
            new Column("faults_user", s -> events(s, RunStats.KernelEvents::faultsUser)),
            new Column("faults_kernel", s -> events(s, RunStats.KernelEvents::faultsKernel)),
            new Column("wall_seconds", s -> Double.toString(s.totals().wallSeconds())),
            new Column("events_per_second", s -> Double.toString(s.totals().eventsPerSecond())));

    /** A kernel-event count, or an empty cell for a run whose stats.json has none (written before they were counted). */
    private static String events(RunStats s, java.util.function.ToLongFunction<RunStats.KernelEvents> count) {
        return s.kernelEvents() == null ? "" : Long.toString(count.applyAsLong(s.kernelEvents()));
    }

    /** A count, or an empty cell for -1 (not counted), which CSV readers take as a missing value. */
    private static String counted(long n) {
        return n < 0 ? "" : Long.toString(n);
    }

    /** Every metric's name, in column order. */
    static final List<String> NAMES = COLUMNS.stream().map(Column::name).toList();

    /** The two columns that are not a function of the experiment file. */
    static final List<String> TIMING = List.of("wall_seconds", "events_per_second");

    /**
     * @param name  a name from {@link #NAMES}
     * @param stats a run's statistics
     * @return the value as summary.csv prints it; empty for a failed run, or a measure the machine does not count
     */
    static String value(String name, RunStats stats) {
        if (stats.totals() == null || stats.workload() == null) {
            return "";
        }
        for (Column c : COLUMNS) {
            if (c.name().equals(name)) {
                return c.value().apply(stats);
            }
        }
        throw new IllegalArgumentException("no metric " + name);
    }

    /**
     * @param chosen the experiment's {@code metrics}, or null for all
     * @return the columns to print, in the fixed order
     */
    static List<String> columns(List<String> chosen) {
        return chosen == null ? NAMES : NAMES.stream().filter(chosen::contains).toList();
    }
}
