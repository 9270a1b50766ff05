package org.kmemu.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.KmemHistograms;
import org.kmemu.core.trace.KmemMetrics;

/**
 * {@link MemoryTracepointBench}'s paths timed in the thread's CPU time rather than wall time, for a box whose
 * other builds make JMH's wall-clock figures noise: each variant runs batches of operations, interleaved with
 * the others, and the best batch (least disturbed) gives ns per operation. Run with
 * {@code java -cp bench/target/benchmarks.jar org.kmemu.bench.TracepointCpuTime [rounds]}; it prints one line
 * per path and variant. The figures are in {@link MemoryTracepointBench}'s Javadoc.
 */
public final class TracepointCpuTime {
    private static final int PAGES = 256;
    private static final long USER = 0x10000000L;
    private static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TracepointCpuTime() {
    }

    /** One machine with the probes of a variant attached. */
    private static final class Rig {
        final Cpu cpu;
        final Vmalloc vmalloc;
        final SlabLayer slab;
        final Mm mm;
        final Vma vma;
        final PageTableOps ops;

        Rig(String tracing) {
            Machine m = MmuBench.boot("x86_64");
            cpu = m.mmu().cpu(0);
            vmalloc = m.kernel().vmalloc();
            slab = m.kernel().slab();
            if (tracing.equals("metrics") || tracing.equals("both")) {
                m.kernel().tracepoints().attach(new KmemMetrics(m.cpus()));
            }
            if (tracing.equals("histograms") || tracing.equals("both")) {
                m.kernel().tracepoints().attach(new KmemHistograms(m.cpus()));
            }
            UserMemory um = m.kernel().memory();
            mm = um.mmAlloc(cpu);
            Task t = m.scheduler().createUserTask("page_fault1", mm);
            m.scheduler().contextSwitch(cpu, t);
            mm.mmapLock().writeLock();
            vma = mm.vmas().mapRange(USER, USER + PAGES * 4096L, RW, USER >>> 12, null, null);
            mm.mmapLock().writeUnlock();
            ops = um.pageTableOps();
        }

        long vmallocVfree(int n) {
            long s = 0;
            for (int i = 0; i < n; i++) {
                long a = vmalloc.vmalloc(cpu, 4096, "bench");
                vmalloc.vfree(cpu, a);
                s += a;
            }
            return s;
        }

        long faults(int rounds) {
            long s = 0;
            for (int r = 0; r < rounds; r++) {
                cpu.setUserMode(true);
                for (int i = 0; i < PAGES; i++) {
                    cpu.store32(USER + i * 4096L, i);
                    s += i;
                }
                cpu.setUserMode(false);
                mm.mmapLock().writeLock();
                ops.unmapRange(cpu, mm, vma, USER, USER + PAGES * 4096L);
                mm.mmapLock().writeUnlock();
            }
            return s;
        }

        long kmallocKfree(int n) {
            long s = 0;
            for (int i = 0; i < n; i++) {
                long p = slab.kmalloc(cpu, 64, Gfp.GFP_KERNEL, "c104de4f");
                slab.kfree(cpu, p, "c104e161");
                s += p;
            }
            return s;
        }
    }

    /**
     * @param args the number of rounds (default 30) and the variants (default: off metrics histograms both)
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String[] variants = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"off", "metrics", "histograms", "both"};
        Rig[] rigs = new Rig[variants.length];
        for (int v = 0; v < variants.length; v++) {
            rigs[v] = new Rig(variants[v]);
        }
        String[] paths = {"vmallocVfree", "anonWriteFault", "kmallocKfree"};
        int[] ops = {20_000, 40 * PAGES, 200_000};
        double[][] best = new double[paths.length][variants.length];
        for (double[] b : best) {
            java.util.Arrays.fill(b, Double.MAX_VALUE);
        }
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            for (int p = 0; p < paths.length; p++) {
                for (int v = 0; v < variants.length; v++) {
                    Rig rig = rigs[v];
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    sink += switch (p) {
                        case 0 -> rig.vmallocVfree(ops[0]);
                        case 1 -> rig.faults(ops[1] / PAGES);
                        default -> rig.kmallocKfree(ops[2]);
                    };
                    double ns = (double) (THREADS.getCurrentThreadCpuTime() - t0) / ops[p];
                    if (r >= rounds / 3) { // the first third warms up
                        best[p][v] = Math.min(best[p][v], ns);
                    }
                }
            }
        }
        for (int p = 0; p < paths.length; p++) {
            for (int v = 0; v < variants.length; v++) {
                System.out.printf("%-16s %-11s %8.1f ns/op (best batch, thread CPU time)%n", paths[p], variants[v], best[p][v]);
            }
        }
        System.out.println(sink == 42 ? "" : "done");
    }
}
