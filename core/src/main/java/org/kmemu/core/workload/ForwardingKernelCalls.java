package org.kmemu.core.workload;

import org.kmemu.api.KernelCalls;

/**
 * {@link KernelCalls} that pass every call to another {@code KernelCalls}: the base of the host's
 * wrappers, which override only the calls they watch (the experiment's failure count, the script's
 * event count) and inherit the rest unchanged, so that a call added to the api is forwarded by all of
 * them from one place.
 *
 * <p><b>Thread.</b> As the calls it wraps: a run's calls are made on the run's thread.
 */
public abstract class ForwardingKernelCalls implements KernelCalls {
    /** Where every call goes. */
    protected final KernelCalls calls;

    /** @param calls where every call goes */
    protected ForwardingKernelCalls(KernelCalls calls) {
        this.calls = calls;
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
        return calls.allocPages(cpu, gfp, order);
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
    public long kmapLocal(int cpu, long pfn) {
        return calls.kmapLocal(cpu, pfn);
    }

    @Override
    public void kunmapLocal(int cpu, long vaddr) {
        calls.kunmapLocal(cpu, vaddr);
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
