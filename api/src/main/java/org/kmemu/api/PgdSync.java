package org.kmemu.api;

/**
 * How an architecture keeps the kernel half of every process's root page table in step with the
 * kernel's own ({@code swapper_pg_dir}) when the kernel makes a new page table after the process's
 * root was copied ({@code pgd_alloc}): a vmalloc, ioremap or pkmap area reaching a root slot that had
 * no table yet. Whatever the model, a vmalloc made after an mm exists must be reachable while that mm
 * is loaded.
 */
public enum PgdSync {
    /**
     * The tables one level below the root are allocated at boot for the whole vmalloc range, so the
     * root's kernel entries never change after boot and the copy {@code pgd_alloc} takes stays right:
     * x86_64 ({@code preallocate_vmalloc_pages}, arch/x86/mm/init_64.c, since 5.9) and i386 PAE, whose
     * kernel PMDs are shared by every PDPT ({@code SHARED_KERNEL_PMD}, arch/x86/mm/pgtable.c
     * {@code pgd_ctor}).
     */
    PREALLOCATE_KERNEL_TABLES,
    /**
     * Every process root is on a list ({@code pgd_list}); a kernel root entry made after boot is copied
     * into each of them at once: x86-32 without PAE, where the PMD is folded into the PGD
     * ({@code SHARED_KERNEL_PMD} 0, {@code ARCH_PAGE_TABLE_SYNC_MASK = PGTBL_PMD_MODIFIED}, and mm/vmalloc.c
     * calls {@code arch_sync_kernel_mappings}, arch/x86/mm/fault.c, which walks {@code pgd_list} and
     * {@code vmalloc_sync_one}s each root).
     */
    PGD_LIST,
    /**
     * The TLB miss handler walks {@code swapper_pg_dir} itself for kernel addresses (at or above
     * PAGE_OFFSET) whatever root the CPU runs on, so a process root's kernel half is never used for
     * translation: e500 (arch/powerpc/kernel/head_85xx.S, DataTLBError/InstructionTLBError).
     */
    KERNEL_ROOT_WALK
}
