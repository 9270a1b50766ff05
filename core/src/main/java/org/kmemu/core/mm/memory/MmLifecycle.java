package org.kmemu.core.mm.memory;

import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.sched.MmStruct;
import org.kmemu.core.sched.TaskMmOps;

/**
 * The scheduler's view of user memory ({@link TaskMmOps}): fork copies an mm with {@link ForkMm}, and
 * {@code mmput} (kernel/fork.c) tears the mm down with {@link ExitMmap} when its last user goes, after moving
 * every CPU still running it lazily to init_mm ({@link Mmu#leaveMm}).
 */
public final class MmLifecycle implements TaskMmOps {
    private final ForkMm fork;
    private final ExitMmap exit;
    private final Mmu mmu;

    /**
     * @param fork dup_mm
     * @param exit exit_mmap
     * @param mmu  the MMU (leave_mm on the CPUs lazily on a dying mm)
     */
    public MmLifecycle(ForkMm fork, ExitMmap exit, Mmu mmu) {
        this.fork = fork;
        this.exit = exit;
        this.mmu = mmu;
    }

    @Override
    public MmStruct dupMm(Cpu cpu, MmStruct oldMm) {
        return fork.dupMm(cpu, asMm(oldMm));
    }

    @Override
    public void mmput(Cpu cpu, MmStruct mmStruct) {
        Mm mm = asMm(mmStruct);
        if (mm.mmputTestZero()) {
            mmu.leaveMm(cpu, mm.pgdPhys());
            exit.exitMmap(cpu, mm);
        }
    }

    private static Mm asMm(MmStruct mm) {
        if (!(mm instanceof Mm)) {
            throw new IllegalArgumentException("mm: " + mm + " (expected: a process mm made by Mm.alloc, not init_mm)");
        }
        return (Mm) mm;
    }
}
