package org.kmemu.arch.x86_64;

import org.kmemu.x86.common.mmu.X86PageTableFormat;

/**
 * x86_64 4-level paging: PGD (PML4), PUD (PDPT), PMD (PD), PTE (PT), 512 8-byte entries each, 48-bit
 * virtual addresses (arch/x86/include/asm/pgtable_64_types.h: PGDIR_SHIFT 39, PUD_SHIFT 30,
 * PMD_SHIFT 21, PTRS_PER_* 512; the P4D is folded into the PGD). Intel SDM vol. 3A 4.5, tables 4-14
 * to 4-20.
 *
 * <pre>
 *  virtual address
 *   63      48 47     39 38     30 29     21 20     12 11         0
 *  +----------+---------+---------+---------+---------+------------+
 *  | sign ext |  PGD    |  PUD    |  PMD    |  PTE    |   offset   |
 *  +----------+---------+---------+---------+---------+------------+
 *
 *  entry (8 bytes)
 *   63  62..52  51 ............... 12  11..9  8   7    6   5   4   3   2   1   0
 *  +----+------+---------------------+------+---+----+---+---+---+---+---+---+---+
 *  | NX | sw,  | physical address    | sw   | G |PSE | D | A |PCD|PWT|USR|RW | P |
 *  |    | pkey | (PTE_PFN_MASK)      |      |   |PAT |   |   |   |   |   |   |   |
 *  +----+------+---------------------+------+---+----+---+---+---+---+---+---+---+
 *   PGD: PSE reserved.  PUD: PSE = 1 GiB leaf (address bits 51..30) with gbpages, else reserved.
 *   PMD: PSE = 2 MiB leaf (address bits 51..21; bit 12 is PAT).  PTE: bit 7 is PAT.
 *   NX honoured with EFER.NXE, reserved without.
 * </pre>
 */
final class FourLevelFormat extends X86PageTableFormat {
    /** PTE_PFN_MASK: bits 51..12, __PHYSICAL_MASK_SHIFT 52 (arch/x86/include/asm/page_64_types.h). */
    static final long ADDRESS_MASK = 0x000ffffffffff000L;

    /**
     * @param gbpages whether the CPU has 1 GiB pages (X86_FEATURE_GBPAGES)
     * @param nx      whether EFER.NXE is on
     */
    FourLevelFormat(boolean gbpages, boolean nx) {
        super(new String[] {"PGD", "PUD", "PMD", "PTE"},
                new int[] {39, 30, 21, 12},
                new int[] {9, 9, 9, 9},
                new boolean[] {false, gbpages, true, true},
                new boolean[] {true, !gbpages, false, false},
                8, ADDRESS_MASK, true, nx, -1);
    }
}
