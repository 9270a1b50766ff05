package org.kmemu.arch.i386;

import org.kmemu.x86.common.mmu.X86PageTableFormat;

/**
 * i386 PAE paging: a 4-entry PGD (the PDPT), PMDs of 512 entries, PTE tables of 512, all 8-byte
 * entries; the PUD and P4D are folded (arch/x86/include/asm/pgtable-3level_types.h: PGDIR_SHIFT 30,
 * PTRS_PER_PGD 4, PMD_SHIFT 21, PTRS_PER_PMD 512, PTRS_PER_PTE 512). Intel SDM vol. 3A 4.4, tables 4-8
 * to 4-11.
 *
 * <pre>
 *  virtual address
 *   31 30 29       21 20       12 11          0
 *  +-----+-----------+-----------+-------------+
 *  | PGD |  PMD (9)  |  PTE (9)  |  offset     |
 *  +-----+-----------+-----------+-------------+
 *
 *  PGD entry (PDPTE), 8 bytes: only P, PWT, PCD and the address; bits 2:1, 8:5 and 63 reserved.
 *   63   62..44  43 ................ 12  11..9  8..5  4   3   2..1  0
 *  +----+-------+----------------------+------+-----+---+---+-----+---+
 *  |rsvd|       | PMD table address    |  sw  |rsvd |PCD|PWT|rsvd | P |
 *  +----+-------+----------------------+------+-----+---+---+-----+---+
 *
 *  PMD and PTE entries, 8 bytes:
 *   63   62..44  43 ................ 12  11..9  8   7    6   5   4   3   2   1   0
 *  +----+-------+----------------------+------+---+----+---+---+---+---+---+---+---+
 *  | NX |       | physical address     | sw   | G |PSE | D | A |PCD|PWT|USR|RW | P |
 *  |    |       | (PTE_PFN_MASK)       |      |   |PAT |   |   |   |   |   |   |   |
 *  +----+-------+----------------------+------+---+----+---+---+---+---+---+---+---+
 *   PMD with PSE: a 2 MiB leaf at bits 43..21 (bit 12 is PAT).  NX needs EFER.NXE, else reserved.
 * </pre>
 *
 * The PDPT level decodes as PRESENT|WRITE|USER|EXEC: it restricts nothing, and the permissions of
 * the walk come from the PMD and PTE.
 */
final class PaeFormat extends X86PageTableFormat {
    /** PTE_PFN_MASK: __PHYSICAL_MASK_SHIFT 44 with PAE, "the limit we can fit into an unsigned long pfn" (page_32_types.h). */
    static final long ADDRESS_MASK = 0x00000ffffffff000L;

    /** @param nx EFER.NXE: NX honoured in PMD and PTE entries */
    PaeFormat(boolean nx) {
        super(new String[] {"PGD", "PMD", "PTE"},
                new int[] {30, 21, 12},
                new int[] {2, 9, 9},
                // PAE honours PS in a PDE whatever CR4.PSE says (SDM 4.4.2); bit 7 of a PDPTE is reserved.
                new boolean[] {false, true, true},
                new boolean[] {false, false, false},
                8, ADDRESS_MASK, true, nx, 0);
    }
}
