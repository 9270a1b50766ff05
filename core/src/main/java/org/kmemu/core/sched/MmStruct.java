package org.kmemu.core.sched;

/**
 * A task's address space as the scheduler sees it: what {@code switch_mm} loads into a CPU. The rest
 * of {@code struct mm_struct} (VMAs, the mmap lock, counters, the user half of the page tables) is
 * the user-memory work's: it implements this interface with its own type, and {@code fork},
 * {@code exec} and {@code exit_mm} are built there.
 *
 * <p>Kernel threads have no mm (a null {@link Task#mm()}); they run on the mm the CPU had before
 * ({@code active_mm}, "lazy TLB" in kernel/sched/core.c context_switch). {@link InitMm} is the
 * kernel's own mm, which the idle tasks start on.
 */
public interface MmStruct {

    /**
     * Who calls: {@link Scheduler#contextSwitch} when a CPU switches to a task that has this mm, on
     * that CPU's thread. The value must not change while any CPU runs the mm.
     *
     * @return the physical address of this mm's top-level page table ({@code __pa(mm->pgd)}, what x86
     *         loads into CR3)
     */
    long pgdPhys();

    /**
     * Who calls: {@link Scheduler#contextSwitch}'s {@code switch_mm}, on the switching CPU's thread, and
     * TLB shootdowns for the mm. The same object for the mm's whole life.
     *
     * @return the MMU's side of the mm ({@code mm->context}): its root and, on a tagged TLB, its context id
     */
    org.kmemu.core.mmu.MmuContext context();
}
