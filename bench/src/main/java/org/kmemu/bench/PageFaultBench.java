package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Anonymous page-fault throughput on a fresh mapping, as will-it-scale's page_fault1 measures it: a user
 * task writes one word into each page of a private anonymous mapping of {@value #PAGES} pages (every
 * write a fault: do_anonymous_page with a zeroed GFP_HIGHUSER_MOVABLE page, an anon rmap, a PTE in the
 * arch's format, the TLB refill), then munmap's zap gives the pages back; ns/op is per page, the zap
 * included (target: at least 1 M faults/s, i.e. at most 1000 ns). The peer does only what the fault
 * cannot avoid: alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_ZERO) and put_page of the same number of pages.
 * Linux takes a few hundred nanoseconds a fault there (page_fault1, one thread, 4 KiB pages; not measured
 * here). Measured on the 2-core build box (load about 3, -wi 5 -i 5): 570-690 ns a fault with its zap
 * (1.5-1.7 M faults/s) on x86_64, i386 and e500, against 120-145 ns for the peer.
 */
@State(Scope.Thread)
public class PageFaultBench extends BenchBase {
    private static final int PAGES = 1024;
    private static final long USER = 0x10000000L;
    private static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;

    /** The architecture. */
    @Param({"x86_64", "i386", "booke"})
    public String arch;

    private Cpu cpu;
    private Mm mm;
    private Vma vma;
    private PageTableOps ops;
    private PageApi pages;
    private final long[] pfns = new long[PAGES];

    /** Boots the machine, makes a process with one mapping and runs CPU 0 on it in user mode. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot(arch);
        cpu = m.mmu().cpu(0);
        UserMemory um = m.kernel().memory();
        mm = um.mmAlloc(cpu);
        Task t = m.scheduler().createUserTask("page_fault1", mm);
        m.scheduler().contextSwitch(cpu, t);
        mm.mmapLock().writeLock();
        vma = mm.vmas().mapRange(USER, USER + PAGES * 4096L, RW, USER >>> 12, null, null);
        mm.mmapLock().writeUnlock();
        ops = um.pageTableOps();
        pages = m.kernel().pages();
        cpu.setUserMode(true);
    }

    /** Back to kernel mode. */
    @TearDown
    public void tearDown() {
        cpu.setUserMode(false);
    }

    /** @return the last word written, so the JIT keeps the stores */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public int anonWriteFault() {
        int sum = 0;
        for (int i = 0; i < PAGES; i++) {
            cpu.store32(USER + i * 4096L, i);
            sum += i;
        }
        mm.mmapLock().writeLock();
        try {
            ops.unmapRange(cpu, mm, vma, USER, USER + PAGES * 4096L);
        } finally {
            mm.mmapLock().writeUnlock();
        }
        return sum;
    }

    /** @return the last pfn: the peer, allocate a zeroed user page and free it, per page */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long allocZeroFree() {
        for (int i = 0; i < PAGES; i++) {
            pfns[i] = pages.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_ZERO, 0);
        }
        for (int i = 0; i < PAGES; i++) {
            pages.putPage(cpu, pfns[i]);
        }
        return pfns[PAGES - 1];
    }
}
