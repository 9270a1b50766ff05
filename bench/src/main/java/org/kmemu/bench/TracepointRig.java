package org.kmemu.bench;

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
 * One x86_64 machine with the probes of a tracing variant attached ("off", "metrics", "histograms", "both") and a
 * process with one anonymous mapping of {@link #PAGES} pages on CPU 0: the paths {@link MemoryTracepointBench}
 * and {@link TracepointCpuTime} time.
 */
final class TracepointRig {
    /** Pages of the mapping each fault round writes. */
    static final int PAGES = 256;
    private static final long USER = 0x10000000L;
    private static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;

    final Cpu cpu;
    final Vmalloc vmalloc;
    final SlabLayer slab;
    final Mm mm;
    final Vma vma;
    final PageTableOps ops;

    /** @param tracing the probes to attach */
    TracepointRig(String tracing) {
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

    /** @param n pairs @return a sum of the areas */
    long vmallocVfree(int n) {
        long s = 0;
        for (int i = 0; i < n; i++) {
            long a = vmalloc.vmalloc(cpu, 4096, "bench");
            vmalloc.vfree(cpu, a);
            s += a;
        }
        return s;
    }

    /** @param rounds rounds of one write fault per page, then the zap @return a sum */
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

    /** @param n pairs @return a sum of the objects */
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
