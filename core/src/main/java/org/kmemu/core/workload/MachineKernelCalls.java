package org.kmemu.core.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.kmemu.api.Access;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.SlabCache;
import org.kmemu.core.kernel.AddressTranslation;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;

/**
 * {@link KernelCalls} on a booted {@link Machine}: each call goes to the machine's own kernel services
 * (SlabLayer, PageApi, Vmalloc, the CPU's MMU), so tracepoints, probes and /proc see it as they see the
 * machine's own code. A CPU index picks an entry of a {@link Cpu} array and a cache handle an entry of
 * a list: no boxing, no allocation per call.
 *
 * <p><b>Thread.</b> Used by one thread, the run's, which owns every CPU of the machine while it runs.
 * {@link #advance} adds to a running total and hands the total to the host's {@code onAdvance} (its
 * sampler and progress line).
 */
public final class MachineKernelCalls implements KernelCalls {
    /** The caller name /proc/vmallocinfo shows for a workload's vmalloc. */
    static final String VMALLOC_CALLER = "workload_vmalloc";
    private static final int PAGE = 4096; // the MMU's translation granule (Cpu works in 4 KiB pages)

    private final Machine machine;
    private final SlabLayer slab;
    private final PageApi pages;
    private final Vmalloc vmalloc;
    private final PhysicalMemory memory;
    private final AddressTranslation addresses;
    private final Highmem highmem;
    private final Cpu[] cpus;
    private final List<SlabCache> caches = new ArrayList<>();
    private final LongConsumer onAdvance;
    private long events;

    /**
     * @param machine   a booted machine
     * @param onAdvance receives the cumulative event count each time {@link #advance} is called
     */
    public MachineKernelCalls(Machine machine, LongConsumer onAdvance) {
        this.machine = machine;
        this.slab = machine.kernel().slab();
        this.pages = machine.kernel().pages();
        this.vmalloc = machine.kernel().vmalloc();
        this.memory = machine.memory();
        this.addresses = machine.kernel().addresses();
        this.highmem = machine.kernel().highmem();
        this.cpus = new Cpu[machine.cpus()];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = machine.mmu().cpu(i);
        }
        this.onAdvance = onAdvance;
    }

    /** @return the machine the calls go to (the {@code script} workload binds it as {@code machine}) */
    public Machine machine() {
        return machine;
    }

    /** @return the events reported through {@link #advance} so far */
    public long events() {
        return events;
    }

    /** @return the caches made through {@link #kmemCacheCreate}, by handle */
    public List<SlabCache> caches() {
        return List.copyOf(caches);
    }

    @Override
    public int cpus() {
        return cpus.length;
    }

    @Override
    public long kmalloc(int cpu, long size, int gfp, String callSite) {
        return slab.kmalloc(cpus[cpu], size, gfp, callSite);
    }

    @Override
    public void kfree(int cpu, long ptr, String callSite) {
        slab.kfree(cpus[cpu], ptr, callSite);
    }

    @Override
    public int kmemCacheCreate(String name, int size, int align, int flags) {
        caches.add(slab.kmemCacheCreate(name, size, align, flags, null));
        return caches.size() - 1;
    }

    @Override
    public long kmemCacheAlloc(int cpu, int cache, int gfp, String callSite) {
        return slab.kmemCacheAlloc(cpus[cpu], caches.get(cache), gfp, callSite);
    }

    @Override
    public void kmemCacheFree(int cpu, int cache, long ptr, String callSite) {
        slab.kmemCacheFree(cpus[cpu], caches.get(cache), ptr, callSite);
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        return pages.allocPages(cpus[cpu], gfp, order);
    }

    @Override
    public void freePages(int cpu, long pfn, int order) {
        pages.freePages(cpus[cpu], pfn, order);
    }

    @Override
    public long vmalloc(int cpu, long size) {
        return vmalloc.vmalloc(cpus[cpu], size, VMALLOC_CALLER);
    }

    @Override
    public void vfree(int cpu, long addr) {
        vmalloc.vfree(cpus[cpu], addr);
    }

    /**
     * A page at a time: each page is translated for a write through the CPU's TLB (a miss walks the
     * tables and sets accessed/dirty, as a store would), then its bytes are filled.
     */
    @Override
    public void memset(int cpu, long vaddr, int value, long len) {
        Cpu c = cpus[cpu];
        byte b = (byte) value;
        while (len > 0) {
            int n = (int) Math.min(len, PAGE - (vaddr & (PAGE - 1)));
            memory.fill(c.translate(vaddr, Access.WRITE), b, n);
            vaddr += n;
            len -= n;
        }
    }

    @Override
    public long pageAddress(long pfn) {
        return addresses.pageAddress(pfn);
    }

    @Override
    public long kmapLocal(int cpu, long pfn) {
        return highmem.kmapLocal(cpus[cpu], pfn);
    }

    @Override
    public void kunmapLocal(int cpu, long vaddr) {
        highmem.kunmapLocal(cpus[cpu], vaddr);
    }

    @Override
    public int pageShift() {
        return machine.pageShift();
    }

    @Override
    public long readLong(int cpu, long vaddr) {
        return cpus[cpu].load64(vaddr);
    }

    @Override
    public void advance(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("advance(" + n + "): events < 0");
        }
        events += n;
        onAdvance.accept(events);
    }
}
