package org.kmemu.core.script;

import org.kmemu.api.KernelCalls;
import org.kmemu.core.workload.ForwardingKernelCalls;

/**
 * The {@code kernel} a script is given: the run's {@link KernelCalls}, counting each call as one event
 * (every allocation, free, memset and load, as a trace counts its lines) and telling the host every
 * {@value #ADVANCE_EVERY} events, so that a script need not call {@link #advance} to be sampled or
 * show progress. A script that calls {@code kernel.advance(n)} itself passes that on as well; its count
 * is not changed by it. Address lookups and mappings ({@code pageAddress}, {@code kmapLocal}) are not
 * events. Calls a script makes on {@code machine}'s core APIs directly are not counted.
 */
final class CountingKernelCalls extends ForwardingKernelCalls {
    /** Events between two {@link KernelCalls#advance} calls to the host. */
    static final int ADVANCE_EVERY = 1024;

    private long events;
    private long unreported;

    CountingKernelCalls(KernelCalls calls) {
        super(calls);
    }

    /** @return calls made so far */
    long events() {
        return events;
    }

    /** Tells the host the events not yet reported. */
    void flush() {
        if (unreported > 0) {
            calls.advance(unreported);
            unreported = 0;
        }
    }

    private void event() {
        events++;
        if (++unreported == ADVANCE_EVERY) {
            flush();
        }
    }

    @Override
    public long kmalloc(int cpu, long size, int gfp, String callSite) {
        long p = calls.kmalloc(cpu, size, gfp, callSite);
        event();
        return p;
    }

    @Override
    public void kfree(int cpu, long ptr, String callSite) {
        calls.kfree(cpu, ptr, callSite);
        event();
    }

    @Override
    public long kmemCacheAlloc(int cpu, int cache, int gfp, String callSite) {
        long p = calls.kmemCacheAlloc(cpu, cache, gfp, callSite);
        event();
        return p;
    }

    @Override
    public void kmemCacheFree(int cpu, int cache, long ptr, String callSite) {
        calls.kmemCacheFree(cpu, cache, ptr, callSite);
        event();
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        long pfn = calls.allocPages(cpu, gfp, order);
        event();
        return pfn;
    }

    @Override
    public void freePages(int cpu, long pfn, int order) {
        calls.freePages(cpu, pfn, order);
        event();
    }

    @Override
    public long vmalloc(int cpu, long size) {
        long a = calls.vmalloc(cpu, size);
        event();
        return a;
    }

    @Override
    public void vfree(int cpu, long addr) {
        calls.vfree(cpu, addr);
        event();
    }

    @Override
    public void memset(int cpu, long vaddr, int value, long len) {
        calls.memset(cpu, vaddr, value, len);
        event();
    }

    @Override
    public long readLong(int cpu, long vaddr) {
        long v = calls.readLong(cpu, vaddr);
        event();
        return v;
    }

    @Override
    public void advance(long n) {
        flush();
        calls.advance(n);
    }
}
