package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * vmalloc+vfree of 1 and 64 pages and kmap+kunmap of a highmem page, on an i386 machine (2 GiB, so
 * highmem). Target: kmap+kunmap of a highmem page under 100 ns. vfree is lazy, so the pairs include a
 * share of the purges (one TLB flush per lazy_max_pages of freed space).
 */
@State(Scope.Thread)
public class KernelBench extends BenchBase {

    private Cpu cpu;
    private Vmalloc vmalloc;
    private Highmem highmem;
    private long highPfn;

    /** Boots a 2 GiB i386 machine with highmem. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot("i386");
        cpu = m.mmu().cpu(0);
        vmalloc = m.kernel().vmalloc();
        highmem = m.kernel().highmem();
        highPfn = m.pageAllocator().allocPages(0, Gfp.GFP_HIGHUSER, 0);
    }

    /** @return the address */
    @Benchmark
    public long vmallocVfree1Page() {
        long v = vmalloc.vmalloc(cpu, 4096, "bench");
        vmalloc.vfree(cpu, v);
        return v;
    }

    /** @return the address */
    @Benchmark
    public long vmallocVfree64Pages() {
        long v = vmalloc.vmalloc(cpu, 64 * 4096, "bench");
        vmalloc.vfree(cpu, v);
        return v;
    }

    /** @return the address */
    @Benchmark
    public long kmapKunmapHighmem() {
        long v = highmem.kmap(cpu, highPfn);
        highmem.kunmap(cpu, highPfn);
        return v;
    }
}
