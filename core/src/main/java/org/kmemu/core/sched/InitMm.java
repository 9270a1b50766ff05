package org.kmemu.core.sched;

/**
 * {@code init_mm} (mm/init-mm.c): the kernel's own address space, whose page tables are
 * {@code swapper_pg_dir}. The idle tasks run on it, and every kernel thread borrows it until a CPU
 * has run a user task.
 *
 * @param pgdPhys the physical address of the kernel page tables' root
 */
public record InitMm(long pgdPhys) implements MmStruct {
    @Override
    public String toString() {
        return "init_mm";
    }
}
