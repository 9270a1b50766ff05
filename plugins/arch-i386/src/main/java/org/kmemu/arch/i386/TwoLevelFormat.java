package org.kmemu.arch.i386;

import org.kmemu.x86.common.mmu.X86PageTableFormat;

/**
 * i386 2-level paging without PAE: a PGD (page directory) of 1024 4-byte entries, each a 4 MiB leaf
 * (PSE) or a PTE table of 1024 entries; the PMD is folded (arch/x86/include/asm/pgtable-2level_types.h:
 * PGDIR_SHIFT 22, PTRS_PER_PGD 1024, PTRS_PER_PTE 1024). Intel SDM vol. 3A 4.3, tables 4-4 to 4-6.
 *
 * <pre>
 *  virtual address
 *   31        22 21        12 11          0
 *  +------------+------------+-------------+
 *  |  PGD (10)  |  PTE (10)  |  offset     |
 *  +------------+------------+-------------+
 *
 *  entry (4 bytes)
 *   31 ............... 12  11..9  8   7    6   5   4   3   2   1   0
 *  +---------------------+------+---+----+---+---+---+---+---+---+---+
 *  | physical address    | sw   | G |PSE | D | A |PCD|PWT|USR|RW | P |
 *  | (bits 31..12)       |      |   |PAT |   |   |   |   |   |   |   |
 *  +---------------------+------+---+----+---+---+---+---+---+---+---+
 *   PGD with PSE (CR4.PSE on): a 4 MiB leaf at bits 31..22 (bit 12 is PAT; PSE-36's bits 20..13
 *   are not used by Linux). With CR4.PSE off, bit 7 of a PGD entry is ignored.
 *   There is no NX bit (_PAGE_NX is 0 without PAE): every present page decodes as executable.
 * </pre>
 */
final class TwoLevelFormat extends X86PageTableFormat {
    /** PTE_PFN_MASK: __PHYSICAL_MASK_SHIFT 32 without PAE (arch/x86/include/asm/page_32_types.h). */
    static final long ADDRESS_MASK = 0xfffff000L;

    /** @param pse CR4.PSE: 4 MiB leaves in the PGD */
    TwoLevelFormat(boolean pse) {
        super(new String[] {"PGD", "PTE"},
                new int[] {22, 12},
                new int[] {10, 10},
                new boolean[] {pse, true},
                new boolean[] {false, false},
                4, ADDRESS_MASK, false, false, -1);
    }
}
