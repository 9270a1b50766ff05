package org.kmemu.core.sched;

import org.kmemu.core.mmu.MmuContext;

/**
 * {@code init_mm} (mm/init-mm.c): the kernel's own address space, whose page tables are
 * {@code swapper_pg_dir}. The idle tasks run on it, and every kernel thread borrows it until a CPU
 * has run a user task.
 *
 * @param context the MMU's view of it: the kernel root, context id 0 on a tagged TLB
 */
public record InitMm(MmuContext context) implements MmStruct {
    @Override
    public long pgdPhys() {
        return context.root();
    }

    @Override
    public String toString() {
        return "init_mm";
    }
}
