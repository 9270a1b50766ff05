package org.kmemu.core.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.proc.Extfrag;
import org.kmemu.core.trace.KmemMetrics;

/**
 * Samples a running machine over the workload's time: the host's {@code onAdvance}
 * ({@link org.kmemu.core.workload.MachineKernelCalls}), called with the events done so far at least every
 * few thousand events. At each call it checks the footprint for the peak (cheap: one free-page count
 * per zone); each time another {@code every} events are done it takes a {@link RunStats.Sample}: the
 * footprint, the slab pages, the bytes asked and given so far, the failures so far, and each zone's
 * buddyinfo free blocks and debugfs extfrag indexes ({@link Extfrag}, the kernel's own arithmetic).
 *
 * <p>The peak is the highest footprint seen at those calls, so a peak shorter than the workload's
 * advance interval may be missed: a workload that calls {@code advance} after every event gets the exact one.
 *
 * <p><b>Thread.</b> The run's thread only.
 */
final class RunSampler implements LongConsumer {
    private final Machine machine;
    private final KmemMetrics metrics;
    private final long every;
    private final LongConsumer progress;
    private final List<RunStats.Sample> samples = new ArrayList<>();
    private long next;
    private long peak;
    private long pageFailures;

    /**
     * @param machine  the booted machine
     * @param metrics  the metric probe attached to its tracepoints
     * @param every    events between samples, 1 or more
     * @param progress told the events done at each advance (the progress line), or null
     */
    RunSampler(Machine machine, KmemMetrics metrics, long every, LongConsumer progress) {
        this.machine = machine;
        this.metrics = metrics;
        this.every = every;
        this.progress = progress;
        this.peak = footprint();
    }

    /** @return pages in use: managed minus free, over every populated zone ({@code totalram_pages() - nr_free_pages()}) */
    long footprint() {
        return machine.totalRamPages() - machine.nrFreePages();
    }

    /** @param n page allocations of the workload that failed since the last call */
    void pageFailures(long n) {
        pageFailures += n;
    }

    @Override
    public void accept(long events) {
        long f = footprint();
        if (f > peak) {
            peak = f;
        }
        if (events >= next) {
            sample(events);
            next = (events / every + 1) * every;
        }
        if (progress != null) {
            progress.accept(events);
        }
    }

    /**
     * Takes the last sample unless one was taken at {@code events} already.
     *
     * @param events the workload's events at its end
     */
    void finish(long events) {
        long f = footprint();
        if (f > peak) {
            peak = f;
        }
        if (samples.isEmpty() || samples.get(samples.size() - 1).events() != events) {
            sample(events);
        }
    }

    private void sample(long events) {
        KmemMetrics.CallSite total = metrics.snapshot().total();
        PageAllocator pa = machine.pageAllocator();
        List<RunStats.ZoneSample> zones = new ArrayList<>();
        for (ZoneSpan z : machine.populatedZones()) {
            ZoneStats s = pa.zoneStats(z.type());
            long[] nrFree = Extfrag.nrFree(s, pa.maxOrder());
            int[] unusable = new int[nrFree.length];
            int[] extfrag = new int[nrFree.length];
            for (int order = 0; order < nrFree.length; order++) {
                unusable[order] = Extfrag.unusableFreeIndex(nrFree, order);
                extfrag[order] = Extfrag.fragmentationIndex(nrFree, order);
            }
            // Node 0: kmemu's machines have one node, as /proc/buddyinfo prints them.
            zones.add(new RunStats.ZoneSample(0, z.type().kernelName(), nrFree, unusable, extfrag));
        }
        samples.add(new RunStats.Sample(events, footprint(), machine.kernel().slab().nrSlabPages(), total.bytesReq(),
                total.bytesAlloc(), total.failures() + pageFailures, List.copyOf(zones)));
    }

    /** @return the samples so far, in event order */
    List<RunStats.Sample> samples() {
        return List.copyOf(samples);
    }

    /** @return the highest footprint seen */
    long peak() {
        return peak;
    }
}
