package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The struct page hot paths on a booted 1 GiB x86_64 machine (buddy + SLUB): {@code alloc_pages} +
 * {@code __free_pages} of order 0 through the kernel (refcount set and dropped in struct page, the page
 * taken from and returned to this CPU's per-CPU list), and a {@code get_page} + {@code put_page} pair on
 * a page that stays allocated. Linux's figures: an order-0 pair that hits the pcp list costs a few tens
 * of ns; get_page/put_page are one atomic each (a few ns uncontended).
 */
@State(Scope.Thread)
public class PageBench extends BenchBase {
    private Cpu cpu;
    private PageApi pages;
    private long heldPfn;

    /** Boots the machine and allocates the page that get/put works on. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot("x86_64");
        cpu = m.mmu().cpu(0);
        pages = m.kernel().pages();
        heldPfn = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
    }

    /** @return the page, so the JIT keeps the work */
    @Benchmark
    public long allocFreeOrder0() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
        pages.freePages(cpu, pfn, 0);
        return pfn;
    }

    /** @return the count after the get, so the JIT keeps the work */
    @Benchmark
    public int getPagePutPage() {
        pages.getPage(cpu, heldPfn);
        int count = pages.pageRefCount(heldPfn);
        pages.putPage(cpu, heldPfn);
        return count;
    }
}
