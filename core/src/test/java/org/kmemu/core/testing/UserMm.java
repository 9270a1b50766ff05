package org.kmemu.core.testing;

import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.ExitMmap;
import org.kmemu.core.mm.memory.ForkMm;
import org.kmemu.core.mm.memory.MmLifecycle;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.Mmap;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Mprotect;
import org.kmemu.core.mm.vma.Mremap;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * A booted test machine with the user-memory services wired as boot will wire them, over a
 * {@link TestPageTableOps}: mmap, mprotect, mremap, fork and exit, and the scheduler's mm hooks installed.
 */
public final class UserMm {
    /** The machine. */
    public final Machine m;
    /** CPU 0. */
    public final Cpu cpu;
    /** The user page tables. */
    public final UserPageTables tables;
    /** The page-table side. */
    public final TestPageTableOps ops;
    /** mmap/munmap/brk. */
    public final Mmap mmap;
    /** mprotect. */
    public final Mprotect mprotect;
    /** mremap. */
    public final Mremap mremap;
    /** exit_mmap. */
    public final ExitMmap exit;
    /** dup_mm. */
    public final ForkMm fork;

    /** @param m a booted machine */
    public UserMm(Machine m) {
        this.m = m;
        this.cpu = m.mmu().cpu(0);
        this.tables = new UserPageTables(m.memory(), m.mmu().format(), m.kernel().pages(), m.pageShift());
        this.ops = new TestPageTableOps(tables, m.kernel().pages(), m.pageFrames(), m.mmu());
        this.mmap = new Mmap(ops, Mman.Abi.of(m.arch().id()));
        this.mprotect = new Mprotect(ops);
        this.mremap = new Mremap(mmap);
        this.exit = new ExitMmap(ops, m.kernel().pages(), m.mmu());
        this.fork = new ForkMm(m.kernel().pages(), m.pageFrames(), tables, m.memory(), m.mmu(), m.layout(), m.log(), exit);
        m.scheduler().setMmOps(new MmLifecycle(fork, exit, m.mmu()));
        // The VMA layer's tests run over TestPageTableOps, without handle_mm_fault: a fault is a bad area.
        m.mmu().setPageFaultHandler(org.kmemu.core.mmu.PageFaultHandler.NO_MM);
    }

    /**
     * @param arch "x86_64", "i386", "e500-like" (i386's tables with e500's software-refilled, TID-tagged TLB)
     *             or "page64k"
     * @return a 2-CPU machine of that test architecture with 64 MiB (256 MiB for 64k pages)
     */
    public static UserMm boot(String arch) {
        return new UserMm(switch (arch) {
            case "x86_64" -> TestMachines.x86_64(64L << 20);
            case "i386" -> TestMachines.i386(64L << 20);
            case "page64k" -> TestMachines.boot(new Page64kTestArch(), 256L << 20, 2);
            case "e500-like" -> TestMachines.boot(new I386TestArch(true), 64L << 20, 2);
            default -> throw new IllegalArgumentException("arch: " + arch + " (expected: x86_64, i386, e500-like or page64k)");
        });
    }

    /** @return a new, empty mm with the arch's layout */
    public Mm newMm() {
        Mm mm = Mm.alloc(cpu, m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()), m.log());
        if (mm == null) {
            throw new IllegalStateException("no page for an mm's root");
        }
        return mm;
    }

    /** @return PAGE_SIZE */
    public long page() {
        return 1L << m.pageShift();
    }

    /**
     * Makes a user task on mm and runs it on CPU 0.
     *
     * @param mm the task's mm
     * @return the task
     */
    public Task run(Mm mm) {
        Task t = m.scheduler().createUserTask("user", mm);
        m.scheduler().contextSwitch(cpu, t);
        return t;
    }
}
