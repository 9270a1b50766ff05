package com.example.kmemu.riscv;

import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/**
 * The Sv39 page-table entry and its three levels (RISC-V privileged spec, "Sv39"; Linux's bit names from
 * arch/riscv/include/asm/pgtable-bits.h).
 *
 * <pre>
 *  virtual address (bits 63..39 copies of bit 38)
 *   63     39 38      30 29      21 20      12 11          0
 *  +---------+----------+----------+----------+-------------+
 *  | sign    |  VPN[2]  |  VPN[1]  |  VPN[0]  | page offset |
 *  |         |  PGD     |  PMD     |  PTE     |             |
 *  +---------+----------+----------+----------+-------------+
 *
 *  entry (8 bytes, little-endian)
 *   63  62-61  60-54  53      28 27      19 18      10 9-8  7   6   5   4   3   2   1   0
 *  +---+------+------+----------+----------+----------+----+---+---+---+---+---+---+---+---+
 *  | N | PBMT | rsvd |  PPN[2]  |  PPN[1]  |  PPN[0]  |RSW | D | A | G | U | X | W | R | V |
 *  +---+------+------+----------+----------+----------+----+---+---+---+---+---+---+---+---+
 * </pre>
 *
 * <ul>
 *   <li>V clear: invalid, whatever else is set (Linux keeps swap entries and _PAGE_PROT_NONE there).</li>
 *   <li>R = W = X = 0: a pointer to the next-level table at PPN &lt;&lt; 12 ({@code _PAGE_TABLE} is just
 *       {@code _PAGE_PRESENT}). U, A and D are reserved in a pointer, so a pointer restricts nothing: the
 *       leaf alone decides the permissions. A pointer at the last level is invalid.</li>
 *   <li>Any of R, W, X set: a leaf ({@code _PAGE_LEAF}), at any level: a 1 GiB gigapage in the PGD, a 2 MiB
 *       megapage in the PMD, a 4 KiB page in the PTE. A gigapage's PPN[1..0] and a megapage's PPN[0] must
 *       be zero, else the hardware raises a page fault (a misaligned superpage): decoded here as invalid.</li>
 *   <li>W without R is a reserved encoding: a page fault, decoded as invalid.</li>
 *   <li>A and D: set by the hardware on access and write (the Svadu behaviour; with Svade the CPU would
 *       fault and Linux set them, to the same end).</li>
 * </ul>
 * Not modelled: Svpbmt's memory types (PBMT), Svnapot's 64 KiB pages (N), and execute-only pages (X without
 * R reads as readable, since {@link PteFlags} has no read permission). Immutable and allocation-free.
 */
final class Sv39Format implements PageTableFormat {
    /** _PAGE_PRESENT: V. */
    static final long V = 1L;
    /** _PAGE_READ. */
    static final long R = 1L << 1;
    /** _PAGE_WRITE. */
    static final long W = 1L << 2;
    /** _PAGE_EXEC. */
    static final long X = 1L << 3;
    /** _PAGE_USER. */
    static final long U = 1L << 4;
    /** _PAGE_GLOBAL. */
    static final long G = 1L << 5;
    /** _PAGE_ACCESSED. */
    static final long A = 1L << 6;
    /** _PAGE_DIRTY. */
    static final long D = 1L << 7;
    /** _PAGE_LEAF: any of R, W, X makes a leaf. */
    static final long LEAF = R | W | X;
    /** _PAGE_PFN_SHIFT: the PPN starts at bit 10. */
    static final int PFN_SHIFT = 10;
    /** The PPN's 44 bits, 53..10. */
    static final long PPN_MASK = ((1L << 44) - 1) << PFN_SHIFT;

    static final int PGD = 0;
    static final int PMD = 1;
    static final int PTE = 2;
    private static final String[] NAMES = {"PGD", "PMD", "PTE"};

    /** What a pointer entry decodes to: present, restricting nothing. */
    private static final int POINTER = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC;

    @Override
    public int levels() {
        return 3;
    }

    @Override
    public String levelName(int level) {
        return NAMES[level];
    }

    /** @return 30, 21, 12: PGDIR_SHIFT, PMD_SHIFT, PAGE_SHIFT */
    @Override
    public int indexShift(int level) {
        return Sv39.PAGE_SHIFT + Sv39.INDEX_BITS * (PTE - level);
    }

    @Override
    public int indexBits(int level) {
        return Sv39.INDEX_BITS;
    }

    @Override
    public int entryBytes() {
        return 8;
    }

    /** A leaf may sit at every level of Sv39. */
    @Override
    public boolean leafAllowed(int level) {
        return level >= PGD && level <= PTE;
    }

    @Override
    public int decode(long entry, int level) {
        if ((entry & V) == 0) {
            return 0;
        }
        if ((entry & LEAF) == 0) {
            return level == PTE ? 0 : POINTER | ((entry & G) != 0 ? PteFlags.GLOBAL : 0);
        }
        if ((entry & (R | W)) == W || misaligned(entry, level)) {
            return 0;
        }
        int f = PteFlags.PRESENT;
        f |= (entry & W) != 0 ? PteFlags.WRITE : 0;
        f |= (entry & X) != 0 ? PteFlags.EXEC : 0;
        f |= (entry & U) != 0 ? PteFlags.USER : 0;
        f |= (entry & G) != 0 ? PteFlags.GLOBAL : 0;
        f |= (entry & A) != 0 ? PteFlags.ACCESSED : 0;
        f |= (entry & D) != 0 ? PteFlags.DIRTY : 0;
        f |= level < PTE ? PteFlags.HUGE : 0;
        return f;
    }

    /** A superpage whose PPN has bits set below its size: the walk's step 6 fault. */
    private boolean misaligned(long entry, int level) {
        long lowPpnBits = (1L << (Sv39.INDEX_BITS * (PTE - level))) - 1;
        return ((entry >>> PFN_SHIFT) & lowPpnBits) != 0;
    }

    /** @return PPN &lt;&lt; 12 ({@code __page_val_to_pfn} then PFN_PHYS) */
    @Override
    public long address(long entry, int level) {
        return ((entry & PPN_MASK) >>> PFN_SHIFT) << Sv39.PAGE_SHIFT;
    }

    /** {@code pfn_pgd}/{@code pfn_pmd} with {@code PAGE_TABLE}: V and the PPN, nothing else. */
    @Override
    public long encodeTable(long tablePhys, int level, int flags) {
        if (level >= PTE) {
            throw new IllegalArgumentException("level: " + level + " (expected: PGD or PMD; a PTE points at no table)");
        }
        return ppn(tablePhys, Sv39.PAGE_SIZE) | V;
    }

    /**
     * {@code pfn_pte} (and its PMD and PGD forms) with a protection: R is always set, as in every Linux
     * protection but PAGE_EXEC and PAGE_NONE, so that the entry is a leaf whatever else is asked.
     */
    @Override
    public long encodeLeaf(long pagePhys, int level, int flags) {
        long e = ppn(pagePhys, 1L << indexShift(level)) | R;
        e |= (flags & PteFlags.PRESENT) != 0 ? V : 0;
        e |= (flags & PteFlags.WRITE) != 0 ? W : 0;
        e |= (flags & PteFlags.EXEC) != 0 ? X : 0;
        e |= (flags & PteFlags.USER) != 0 ? U : 0;
        e |= (flags & PteFlags.GLOBAL) != 0 ? G : 0;
        e |= (flags & PteFlags.ACCESSED) != 0 ? A : 0;
        e |= (flags & PteFlags.DIRTY) != 0 ? D : 0;
        return e;
    }

    private static long ppn(long phys, long alignment) {
        if ((phys & (alignment - 1)) != 0 || phys < 0 || (phys >>> Sv39.MAX_PHYSMEM_BITS) != 0) {
            throw new IllegalArgumentException(String.format("physical address: %#x (expected: %d KiB aligned, below 2^%d)",
                    phys, alignment >> 10, Sv39.MAX_PHYSMEM_BITS));
        }
        return (phys >>> Sv39.PAGE_SHIFT) << PFN_SHIFT;
    }

    /** The hardware's A/D update: A on any access, D on a write. */
    @Override
    public long withFlags(long entry, int level, int flags) {
        long e = entry;
        e |= (flags & PteFlags.ACCESSED) != 0 ? A : 0;
        e |= (flags & PteFlags.DIRTY) != 0 ? D : 0;
        return e;
    }

    /**
     * @return the set bits in the spec's letters, lowest first ("V R W G A D"), then what the entry is:
     *         "-> table" for a pointer, "1G leaf" / "2M leaf" for superpages; or "not present"
     */
    @Override
    public String describe(long entry, int level) {
        if ((entry & V) == 0) {
            return "not present";
        }
        StringBuilder s = new StringBuilder("V");
        String[] letters = {"R", "W", "X", "U", "G", "A", "D"};
        for (int bit = 1; bit <= 7; bit++) {
            if ((entry & (1L << bit)) != 0) {
                s.append(' ').append(letters[bit - 1]);
            }
        }
        if ((entry & LEAF) == 0) {
            return s.append(level == PTE ? " (invalid: pointer at the last level)" : " -> table").toString();
        }
        if ((entry & (R | W)) == W) {
            return s.append(" (invalid: W without R is reserved)").toString();
        }
        if (misaligned(entry, level)) {
            return s.append(" (invalid: misaligned superpage)").toString();
        }
        return level == PGD ? s.append(" 1G leaf").toString() : level == PMD ? s.append(" 2M leaf").toString() : s.toString();
    }

    @Override
    public String toString() {
        return "Sv39: PGD, PMD, PTE of 512 8-byte entries";
    }
}
