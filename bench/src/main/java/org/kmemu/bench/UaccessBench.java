package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code copy_to_user} of 64 B, 4 KiB and 1 MiB from a direct-mapped kernel buffer into present user
 * pages, next to {@code System.arraycopy} of the same bytes between two Java arrays, the limit (target:
 * 1 MiB at no less than half arraycopy's bandwidth). Each copy translates every page on both sides
 * through the CPU's TLB inside the uaccess window, then copies RAM chunk to chunk. A 1 MiB copy touches
 * 256 user and 256 kernel 4 KiB pages (large pages are cached as 4 KiB fragments): more than the 64-entry
 * first-level TLB of x86, so every page misses there; x86_64's second-level TLB (Skylake's 1536-entry
 * STLB) holds them all, e500's 512-entry TLB0 too; i386 (P6) has no second level and walks every page.
 * The user side is a real process: an mm from {@code kernel().memory()} that CPU 0 runs, with a private
 * anonymous mapping made by mmap (MAP_POPULATE) and written once through copy_to_user, so every page is
 * present and writable; on x86_64 the CPU has SMAP, so the user side runs with the window's AC tags.
 *
 * <p>Measured on a 2-core box with a load average of 12 to 16 from other builds (so JMH's errors are as
 * large as the scores; ns/op, {@code -f 1 -wi 3 -i 5 -w 1s -r 1s}, JDK 17), 1 MiB on x86_64, each line one
 * run with copy_to_user next to its arraycopy peer:
 * <pre>
 * model                                        arraycopy   copyToUser   ratio (bandwidth, copy/arraycopy)
 * before: 64-entry L1 only (main, 9bb41cc)      68,899      213,853     0.32x
 * after: + STLB 128 x 12                         75,770      203,514     0.37x
 * after, refill loop unrolled                    36,592       47,692     0.77x
 * same run, -p stlb=off,on: off                  94,057      251,305     0.37x
 *                           on                   92,346      161,747     0.57x
 * whole UaccessBench (all archs and sizes)     148,336      142,760     1.04x  (i386 0.41x, e500 0.88x)
 * </pre>
 * The load dominates the scores; the profile is steadier. JMH's stack profiler over the copyToUser thread
 * (1 MiB, x86_64): before, 43% of its samples in the RAM copy ({@code PhysicalMemory.copy}) and 57% in the
 * TLB miss path, of which page walks ({@code Cpu.walkAndFill}) 26% and first-level refills
 * ({@code Tlb.insert}) 23%; after, no walks, 60-69% in the copy and the rest in first-level refills from the
 * STLB and lookups. At 60-69% of its time copying, copy_to_user runs at 0.6-0.7x arraycopy when the copy
 * itself runs at arraycopy's speed.
 */
@State(Scope.Thread)
public class UaccessBench extends BenchBase {
    private static final long USER = 0x10000000L;
    private static final int MAX = 1 << 20;

    /** The architecture. */
    @Param({"x86_64", "i386", "booke"})
    public String arch;

    /** Bytes per copy. */
    @Param({"64", "4096", "1048576"})
    public int bytes;

    /**
     * x86's second-level TLB: "on" as the arch's reference.conf has it (Skylake's 1536 entries on x86_64, none on
     * i386), "off" without one (every first-level miss walks), for an A/B in one run.
     */
    @Param({"on"})
    public String stlb;

    private Cpu cpu;
    private Uaccess uaccess;
    private long kernelBuffer;
    private final byte[] arraySrc = new byte[MAX];
    private final byte[] arrayDst = new byte[MAX];

    /** Boots the machine, runs a process with 1 MiB of mmap'd user memory and fills a 1 MiB kernel buffer. */
    @Setup
    public void setUp() {
        Machine m = stlb.equals("off") && !arch.equals("booke")
                ? MmuBench.boot(arch, "slub", arch.equals("i386") ? "2G" : "1G",
                        java.util.Map.of("kmemu.arch." + arch + ".tlb.stlb.sets", "0", "kmemu.arch." + arch + ".tlb.stlb.ways", "0"))
                : MmuBench.boot(arch);
        cpu = m.mmu().cpu(0);
        uaccess = m.kernel().uaccess();
        long pfn = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 8);
        kernelBuffer = m.layout().va(pfn << 12);
        m.memory().fill(pfn << 12, (byte) 1, MAX);
        UserMemory um = m.kernel().memory();
        Mm mm = um.mmAlloc(cpu);
        Task t = m.scheduler().createUserTask("uaccess", mm);
        m.scheduler().contextSwitch(cpu, t);
        long a = um.mmap().vmMmapPgoff(cpu, mm, USER, MAX, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED | Mman.MAP_POPULATE, null, 0);
        if (a != USER) {
            throw new IllegalStateException("mmap: " + a);
        }
        if (uaccess.copyToUser(cpu, USER, kernelBuffer, MAX) != 0) {
            throw new IllegalStateException("copy_to_user of the whole buffer fell short");
        }
    }

    /** @return bytes not copied (0), so the JIT keeps the call */
    @Benchmark
    public long copyToUser() {
        return uaccess.copyToUser(cpu, USER, kernelBuffer, bytes);
    }

    /** The peer: the same number of bytes between two Java arrays. */
    @Benchmark
    public void arraycopy() {
        System.arraycopy(arraySrc, 0, arrayDst, 0, bytes);
    }
}
