package org.kmemu.arch.x86_64;

import org.kmemu.x86.common.mmu.X86PageTableFormat;

/**
 * x86_64 5-level paging (LA57): PGD (PML5), P4D (PML4), PUD, PMD, PTE, 512 8-byte entries each, 57-bit
 * virtual addresses (arch/x86/include/asm/pgtable_64_types.h: PGDIR_SHIFT 48 with 5 levels,
 * P4D_SHIFT 39, PUD_SHIFT 30, PMD_SHIFT 21). Intel SDM vol. 3A 4.5. Entries are laid out as in
 * {@link FourLevelFormat}.
 *
 * <pre>
 *  virtual address
 *   63   57 56     48 47     39 38     30 29     21 20     12 11        0
 *  +-------+---------+---------+---------+---------+---------+-----------+
 *  | sign  |  PGD    |  P4D    |  PUD    |  PMD    |  PTE    |  offset   |
 *  +-------+---------+---------+---------+---------+---------+-----------+
 *   PGD and P4D: PSE reserved.  PUD: 1 GiB leaf with gbpages, else reserved.  PMD: 2 MiB leaf.
 * </pre>
 */
final class FiveLevelFormat extends X86PageTableFormat {

    /**
     * @param gbpages whether the CPU has 1 GiB pages (X86_FEATURE_GBPAGES)
     * @param nx      whether EFER.NXE is on
     */
    FiveLevelFormat(boolean gbpages, boolean nx) {
        super(new String[] {"PGD", "P4D", "PUD", "PMD", "PTE"},
                new int[] {48, 39, 30, 21, 12},
                new int[] {9, 9, 9, 9, 9},
                new boolean[] {false, false, gbpages, true, true},
                new boolean[] {true, true, !gbpages, false, false},
                8, FourLevelFormat.ADDRESS_MASK, true, nx, -1);
    }
}
