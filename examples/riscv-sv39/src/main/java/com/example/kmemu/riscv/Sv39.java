package com.example.kmemu.riscv;

/**
 * The sizes of RISC-V Sv39 paging as Linux names them (arch/riscv/include/asm/page.h, pgtable-64.h with
 * {@code pgtable_l4_enabled} false): 4 KiB pages, three levels of 512 eight-byte entries, 39-bit virtual
 * and 56-bit physical addresses (RISC-V privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory System").
 * The P4D and PUD of Linux's five-level tree are folded into the PGD.
 */
final class Sv39 {
    private Sv39() {
    }

    /** PAGE_SHIFT. */
    static final int PAGE_SHIFT = 12;
    /** PAGE_SIZE: 4 KiB. */
    static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** PMD_SHIFT: a PMD entry covers 2 MiB (a megapage when it is a leaf). */
    static final int PMD_SHIFT = 21;
    /** PMD_SIZE. */
    static final long PMD_SIZE = 1L << PMD_SHIFT;
    /** PGDIR_SHIFT with Sv39: a PGD entry covers 1 GiB (a gigapage when it is a leaf). */
    static final int PGDIR_SHIFT = 30;
    /** PGDIR_SIZE with Sv39. */
    static final long PGDIR_SIZE = 1L << PGDIR_SHIFT;
    /** PTRS_PER_PGD = PTRS_PER_PMD = PTRS_PER_PTE = 512: nine index bits per level. */
    static final int INDEX_BITS = 9;
    /** VA_BITS with Sv39: bits 63..39 of an address must equal bit 38. */
    static final int VA_BITS = 39;
    /** MAX_PHYSMEM_BITS on rv64 (arch/riscv/include/asm/sparsemem.h): 56, the width of PPN << 12. */
    static final int MAX_PHYSMEM_BITS = 56;
    /** SECTION_SIZE_BITS on rv64 (arch/riscv/include/asm/sparsemem.h): pfn_valid() works in 128 MiB sections. */
    static final int SECTION_SIZE_BITS = 27;
}
