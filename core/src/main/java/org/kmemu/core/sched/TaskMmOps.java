package org.kmemu.core.sched;

import org.kmemu.core.mmu.Cpu;

/**
 * What {@link Scheduler#fork} and {@link Scheduler#doExit} ask of the user-memory layer, which implements
 * it (sched does not depend on core.mm): {@code dup_mm} for {@code copy_process}, and {@code mmput} for
 * {@code exit_mm}. Installed once with {@link Scheduler#setMmOps}.
 */
public interface TaskMmOps {

    /**
     * {@code dup_mm} (kernel/fork.c): a copy of {@code oldMm} for a child ({@code dup_mmap}: every VMA but
     * VM_DONTCOPY, pages shared copy-on-write). Called on the forking CPU's thread, the parent being its
     * current task.
     *
     * @param cpu   the forking CPU
     * @param oldMm the parent's mm
     * @return the child's mm, with one user, or null for -ENOMEM (nothing is left allocated)
     */
    MmStruct dupMm(Cpu cpu, MmStruct oldMm);

    /**
     * {@code mmput} from {@code exit_mm}: drops the exiting task's use of its mm; the last user tears it down
     * ({@code exit_mmap}: every page unmapped and freed, page tables and root freed). Called on the exiting
     * CPU's thread after it switched to its idle task and reloaded init_mm; other CPUs that still run the
     * mm lazily must be moved off it before its root is freed.
     *
     * @param cpu the exiting CPU
     * @param mm  the exiting task's mm
     */
    void mmput(Cpu cpu, MmStruct mm);
}
