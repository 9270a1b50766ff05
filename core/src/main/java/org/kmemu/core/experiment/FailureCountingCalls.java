package org.kmemu.core.experiment;

import org.kmemu.api.KernelCalls;

/**
 * The workload's {@link KernelCalls}, counting the page allocations that fail: the page allocator's
 * tracepoint fires only for a page it gave, so the failures a workload meets are counted where it
 * meets them. (The slab's own page allocations that fail end in a failed kmalloc, which the metric
 * probe counts.) Everything else passes through.
 *
 * <p><b>Thread.</b> The run's thread only.
 */
final class FailureCountingCalls implements KernelCalls {
    private final KernelCalls calls;
    private final RunSampler sampler;
    private long pageFailures;

    FailureCountingCalls(KernelCalls calls, RunSampler sampler) {
        this.calls = calls;
        this.sampler = sampler;
    }

    /** @return the workload's page allocations that failed */
    long pageFailures() {
        return pageFailures;
    }

    @Override
    public int cpus() {
        return calls.cpus();
    }

    @Override
    public long kmalloc(int cpu, long size, int gfp, String callSite) {
        return calls.kmalloc(cpu, size, gfp, callSite);
    }

    @Override
    public void kfree(int cpu, long ptr, String callSite) {
        calls.kfree(cpu, ptr, callSite);
    }

    @Override
    public int kmemCacheCreate(String name, int size, int align, int flags) {
        return calls.kmemCacheCreate(name, size, align, flags);
    }

    @Override
    public long kmemCacheAlloc(int cpu, int cache, int gfp, String callSite) {
        return calls.kmemCacheAlloc(cpu, cache, gfp, callSite);
    }

    @Override
    public void kmemCacheFree(int cpu, int cache, long ptr, String callSite) {
        calls.kmemCacheFree(cpu, cache, ptr, callSite);
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

    @Override
    public void freePages(int cpu, long pfn, int order) {
        calls.freePages(cpu, pfn, order);
    }

    @Override
    public long vmalloc(int cpu, long size) {
        return calls.vmalloc(cpu, size);
    }

    @Override
    public void vfree(int cpu, long addr) {
        calls.vfree(cpu, addr);
    }

    @Override
    public void memset(int cpu, long vaddr, int value, long len) {
        calls.memset(cpu, vaddr, value, len);
    }

    @Override
    public long pageAddress(long pfn) {
        return calls.pageAddress(pfn);
    }

    @Override
    public int pageShift() {
        return calls.pageShift();
    }

    @Override
    public long readLong(int cpu, long vaddr) {
        return calls.readLong(cpu, vaddr);
    }

    @Override
    public void advance(long events) {
        calls.advance(events);
    }
}
