package org.kmemu.core.experiment;

import org.kmemu.api.KernelCalls;
import org.kmemu.core.workload.ForwardingKernelCalls;

/**
 * The workload's {@link KernelCalls}, counting the page allocations that fail: the page allocator's
 * tracepoint fires only for a page it gave, so the failures a workload meets are counted where it
 * meets them. (The slab's own page allocations that fail end in a failed kmalloc, which the metric
 * probe counts.) Everything else passes through.
 *
 * <p><b>Thread.</b> The run's thread only.
 */
final class FailureCountingCalls extends ForwardingKernelCalls {
    private final RunSampler sampler;
    private long pageFailures;

    FailureCountingCalls(KernelCalls calls, RunSampler sampler) {
        super(calls);
        this.sampler = sampler;
    }

    /** @return the workload's page allocations that failed */
    long pageFailures() {
        return pageFailures;
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        long pfn = calls.allocPages(cpu, gfp, order);
        if (pfn == -1) {
            pageFailures++;
            sampler.pageFailures(1);
        }
        return pfn;
    }
}
