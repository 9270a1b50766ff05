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
 * through the CPU's TLB (64 entries on x86, 512 in e500's TLB0: a 1 MiB copy misses on every page on
 * x86) inside the uaccess window, then copies RAM chunk to chunk. The user side is a real process: an mm
 * from {@code kernel().memory()} that CPU 0 runs, with a private anonymous mapping made by mmap
 * (MAP_POPULATE) and written once through copy_to_user, so every page is present and writable; on x86_64
 * the CPU has SMAP, so the user side runs with the window's AC tags.
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
