package org.kmemu.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the vmalloc, tlb_flush, tlb_miss and page-fault tracepoints cost on their paths, on x86_64 with SLUB.
 * {@code vmallocVfree}: vmalloc of one page and its vfree (alloc_vmap_area, free_vmap_area_noflush, and every
 * 8192nd pair a lazy purge with its TLB flushes). {@code anonWriteFault}: a user write fault on each page of a
 * fresh 256-page anonymous mapping, then munmap's zap (page_fault_user, tlb_miss, the zap's flush), per page.
 * {@code tracing}: {@code off} no probe on the tracepoints (one volatile read a site: the cost of having
 * them); {@code metrics} {@link KmemMetrics}; {@code histograms} {@link KmemHistograms}; {@code both}, as an
 * experiment run attaches them.
 *
 * <p>Measured on the 2-core build box, JDK 17, 2026-12-02, load 3-6 from other builds. JMH's wall-clock scores
 * were noise there (-f 1 -wi 3 -i 5: vmallocVfree 1.5-4 us +- 3-8 us, anonWriteFault 600-900 ns +- 0.7-2 us), so
 * {@link TracepointCpuTime} timed the same paths in thread CPU time, best of 40-60 interleaved batches after a
 * third of warm-up. "none" is the commit before these tracepoints (6adf9d8: the same paths with no tracepoint),
 * run from its own build; two runs each:
 * <pre>
 * ns/op             none (no tracepoint)   off (no probe)   metrics   histograms   both
 * vmallocVfree      249, 257               255, 261         276       276          282
 * anonWriteFault    348, 351               344, 350         373       397          398
 * kmallocKfree      47, 43                 49, 49           57        57           60
 * </pre>
 * A tracepoint with no probe is within noise of none on both paths (and the kmalloc fast path, untouched, too);
 * the sinks cost 5-15% of a vmalloc+vfree pair and of a fault with its zap (the fault path fires page_fault_user,
 * a tlb_miss per store and the zap's flush), and about 10-15 ns on a kmalloc+kfree pair (KmemMetrics' call-site
 * map; the histograms add a few ns).
 */
@State(Scope.Thread)
public class MemoryTracepointBench extends BenchBase {
    /** Which probes the tracepoints fire into. */
    @Param({"off", "metrics", "histograms", "both"})
    public String tracing;

    private TracepointRig rig;

    /** Boots the machine, attaches the probes, makes a process with one mapping on CPU 0. */
    @Setup
    public void setUp() {
        rig = new TracepointRig(tracing);
    }

    /** @return the area: vmalloc one page and vfree it */
    @Benchmark
    public long vmallocVfree() {
        return rig.vmallocVfree(1);
    }

    /** @return a sum, so the JIT keeps the stores: one write fault per page, then the zap */
    @Benchmark
    @OperationsPerInvocation(TracepointRig.PAGES)
    public long anonWriteFault() {
        return rig.faults(1);
    }
}
