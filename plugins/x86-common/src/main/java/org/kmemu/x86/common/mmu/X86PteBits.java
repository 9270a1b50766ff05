package org.kmemu.x86.common.mmu;

/**
 * The bits of an x86 paging-structure entry, common to every x86 format (2-level, PAE, 4- and
 * 5-level), with the kernel's names. Values from arch/x86/include/asm/pgtable_types.h
 * ({@code _PAGE_BIT_*}); hardware meaning from the Intel SDM vol. 3A, 4.3 (32-bit paging, tables 4-4
 * to 4-6), 4.4 (PAE, tables 4-8 to 4-11) and 4.5 (4-/5-level paging, tables 4-14 to 4-20).
 *
 * <pre>
 *  63  62..52  51 ........................ 12  11..9  8   7    6   5   4    3    2    1   0
 * +----+------+------------------------------+------+---+----+---+---+----+----+----+----+---+
 * | NX | sw / | physical address of the page | sw   | G |PSE | D | A |PCD |PWT |USR | RW | P |
 * |    | pkey | or table (PTE_PFN_MASK)      |      |   |PAT |   |   |    |    |    |    |   |
 * +----+------+------------------------------+------+---+----+---+---+----+----+----+----+---+
 *  bit 7: PSE (a large leaf) above the last level, PAT in a 4 KiB PTE.
 *  bit 12: PAT of a large leaf (_PAGE_BIT_PAT_LARGE); below the large page's address bits.
 *  NX exists only in 8-byte entries (PAE, x86_64) and only when EFER.NXE is on; else it is reserved.
 *  A 4-byte (non-PAE) entry is bits 31..0 of this picture with the address in bits 31..12.
 * </pre>
 */
public final class X86PteBits {
    private X86PteBits() {
    }

    /** _PAGE_PRESENT, bit 0. */
    public static final long PRESENT = 1L;
    /** _PAGE_RW, bit 1: writes allowed. */
    public static final long RW = 1L << 1;
    /** _PAGE_USER, bit 2: user mode may access (the SDM's U/S). */
    public static final long USER = 1L << 2;
    /** _PAGE_PWT, bit 3: write-through. */
    public static final long PWT = 1L << 3;
    /** _PAGE_PCD, bit 4: cache disable. */
    public static final long PCD = 1L << 4;
    /** _PAGE_ACCESSED, bit 5: set by the hardware walker. */
    public static final long ACCESSED = 1L << 5;
    /** _PAGE_DIRTY, bit 6: set by the hardware on a write through a leaf. */
    public static final long DIRTY = 1L << 6;
    /** _PAGE_PSE, bit 7: page size (a large leaf) above the PTE level; _PAGE_PAT in a 4 KiB PTE. */
    public static final long PSE = 1L << 7;
    /** _PAGE_GLOBAL, bit 8: the translation survives CR3 loads (with CR4.PGE); ignored in non-leaf entries. */
    public static final long GLOBAL = 1L << 8;
    /** _PAGE_SPECIAL = _PAGE_BIT_SOFTW1, bit 9: software-only, ignored by the MMU (arch/x86/include/asm/pgtable_types.h). */
    public static final long SPECIAL = 1L << 9;
    /** _PAGE_PAT_LARGE, bit 12: PAT of a 2 MiB / 4 MiB / 1 GiB leaf. */
    public static final long PAT_LARGE = 1L << 12;
    /** _PAGE_NX, bit 63: no execute (PAE and x86_64 only; _PAGE_NX is 0 on non-PAE i386). */
    public static final long NX = 1L << 63;

    /** _PAGE_TABLE = P | RW | USER | ACCESSED | DIRTY: a table entry user space may walk through. */
    public static final long PAGE_TABLE = PRESENT | RW | USER | ACCESSED | DIRTY;
    /** _KERNPG_TABLE = P | RW | ACCESSED | DIRTY: a kernel-only table entry. */
    public static final long KERNPG_TABLE = PRESENT | RW | ACCESSED | DIRTY;

    /**
     * The entry's set bits by their kernel names, lowest bit first, e.g. {@code "P RW A D PSE G NX"}.
     *
     * @param entry     a raw entry
     * @param lastLevel whether it is a PTE, where bit 7 is PAT rather than PSE
     * @param largeLeaf whether it is a large leaf, where bit 12 is PAT rather than an address bit
     * @param nxBit     whether the format has an NX bit (8-byte entries)
     * @return the names, or {@code "not present"}
     */
    public static String describe(long entry, boolean lastLevel, boolean largeLeaf, boolean nxBit) {
        if ((entry & PRESENT) == 0) {
            return "not present";
        }
        StringBuilder out = new StringBuilder("P");
        name(out, entry, RW, "RW");
        name(out, entry, USER, "USR");
        name(out, entry, PWT, "PWT");
        name(out, entry, PCD, "PCD");
        name(out, entry, ACCESSED, "A");
        name(out, entry, DIRTY, "D");
        name(out, entry, PSE, lastLevel ? "PAT" : "PSE");
        name(out, entry, GLOBAL, "G");
        if (lastLevel) {
            name(out, entry, SPECIAL, "SPECIAL");
        }
        if (largeLeaf) {
            name(out, entry, PAT_LARGE, "PAT");
        }
        if (nxBit) {
            name(out, entry, NX, "NX");
        }
        return out.toString();
    }

    private static void name(StringBuilder out, long entry, long bit, String name) {
        if ((entry & bit) != 0) {
            out.append(' ').append(name);
        }
    }
}
