package org.kmemu.core.testing;

import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/**
 * An x86-style page-table format for core tests (core may not depend on the arch plugins): P, RW,
 * US, PWT, PCD, A, D, PSE and G in bits 0-8 as arch/x86/include/asm/pgtable_types.h defines them,
 * NX at bit 63 when entries are 8 bytes, the frame from bit 12. Levels have equal index widths:
 * {@link #fourLevel()} is x86_64's 9/9/9/9, {@link #twoLevel()} is non-PAE i386's 10/10 with 4 MiB
 * PSE leaves at the PGD, {@link #threeLevel64k()} a 64 KiB-page format of 13/13/13 index bits (as
 * arm64's 64K granule has 13-bit tables) with 512 MiB leaves at the PMD, for machines with big pages.
 */
public final class TestX86Format implements PageTableFormat {
    private static final long P = 0x1;
    private static final long RW = 0x2;
    private static final long US = 0x4;
    private static final long PWT = 0x8;
    private static final long PCD = 0x10;
    private static final long A = 0x20;
    private static final long D = 0x40;
    private static final long PSE = 0x80;
    private static final long G = 0x100;
    /** _PAGE_SPECIAL (_PAGE_BIT_SOFTW1, bit 9): software-only, last level. */
    private static final long SPECIAL = 0x200;
    private static final long NX = 1L << 63;

    private final int levels;
    private final int bits;
    private final int entryBytes;
    private final int pageShift;
    private final long addressMask;

    private TestX86Format(int levels, int bits, int entryBytes, int pageShift) {
        this.levels = levels;
        this.bits = bits;
        this.entryBytes = entryBytes;
        this.pageShift = pageShift;
        this.addressMask = (entryBytes == 8 ? 0x000ffffffffff000L : 0xfffff000L) & -(1L << pageShift);
    }

    private TestX86Format(int levels, int bits, int entryBytes) {
        this(levels, bits, entryBytes, 12);
    }

    /** @return 64 KiB pages, three levels of 13 index bits, 8-byte entries: PGD, PMD (512 MiB leaves), PTE */
    public static TestX86Format threeLevel64k() {
        return new TestX86Format(3, 13, 8, 16);
    }

    /** @return x86_64's 4-level format: 2 MiB and 1 GiB leaves at PMD and PUD */
    public static TestX86Format fourLevel() {
        return new TestX86Format(4, 9, 8);
    }

    /** @return i386's non-PAE 2-level format: 4 MiB leaves at the PGD, no NX */
    public static TestX86Format twoLevel() {
        return new TestX86Format(2, 10, 4);
    }

    @Override
    public int levels() {
        return levels;
    }

    @Override
    public String levelName(int level) {
        String[] names = levels == 4 ? new String[] {"PGD", "PUD", "PMD", "PTE"}
                : levels == 3 ? new String[] {"PGD", "PMD", "PTE"} : new String[] {"PGD", "PTE"};
        return names[level];
    }

    @Override
    public int indexShift(int level) {
        return pageShift + bits * (levels - 1 - level);
    }

    @Override
    public int indexBits(int level) {
        return bits;
    }

    @Override
    public int entryBytes() {
        return entryBytes;
    }

    @Override
    public boolean leafAllowed(int level) {
        // x86_64: 1 GiB at the PUD and 2 MiB at the PMD; non-PAE i386: 4 MiB at the PGD.
        return level == levels - 1 || levels == 2 || level >= 1;
    }

    @Override
    public int decode(long e, int level) {
        if ((e & P) == 0) {
            return 0;
        }
        int f = PteFlags.PRESENT;
        f |= (e & RW) != 0 ? PteFlags.WRITE : 0;
        f |= (e & US) != 0 ? PteFlags.USER : 0;
        f |= (entryBytes == 8 && (e & NX) != 0) ? 0 : PteFlags.EXEC;
        f |= (e & A) != 0 ? PteFlags.ACCESSED : 0;
        f |= (e & D) != 0 ? PteFlags.DIRTY : 0;
        f |= (e & G) != 0 ? PteFlags.GLOBAL : 0;
        f |= (e & PCD) != 0 ? PteFlags.NO_CACHE : 0;
        f |= (e & PWT) != 0 ? PteFlags.WRITE_THROUGH : 0;
        f |= (level < levels - 1 && (e & PSE) != 0) ? PteFlags.HUGE : 0;
        f |= (level == levels - 1 && (e & SPECIAL) != 0) ? PteFlags.SPECIAL : 0;
        return f;
    }

    @Override
    public long address(long e, int level) {
        long a = e & addressMask;
        if (level < levels - 1 && (e & PSE) != 0) {
            a &= -(1L << indexShift(level));
        }
        return a;
    }

    @Override
    public long encodeTable(long tablePhys, int level, int flags) {
        return tablePhys | P | RW | A | D | ((flags & PteFlags.USER) != 0 ? US : 0);
    }

    @Override
    public long encodeLeaf(long pagePhys, int level, int flags) {
        long e = pagePhys | bits(flags);
        if (level < levels - 1) {
            e |= PSE;
        } else if ((flags & PteFlags.SPECIAL) != 0) {
            e |= SPECIAL;
        }
        return e;
    }

    private long bits(int flags) {
        long e = 0;
        e |= (flags & PteFlags.PRESENT) != 0 ? P : 0;
        e |= (flags & PteFlags.WRITE) != 0 ? RW : 0;
        e |= (flags & PteFlags.USER) != 0 ? US : 0;
        e |= (flags & PteFlags.ACCESSED) != 0 ? A : 0;
        e |= (flags & PteFlags.DIRTY) != 0 ? D : 0;
        e |= (flags & PteFlags.GLOBAL) != 0 ? G : 0;
        e |= (flags & PteFlags.NO_CACHE) != 0 ? PCD : 0;
        e |= (flags & PteFlags.WRITE_THROUGH) != 0 ? PWT : 0;
        e |= (entryBytes == 8 && (flags & PteFlags.EXEC) == 0) ? NX : 0;
        return e;
    }

    @Override
    public long withFlags(long entry, int level, int flags) {
        return entry | ((flags & PteFlags.ACCESSED) != 0 ? A : 0) | ((flags & PteFlags.DIRTY) != 0 ? D : 0);
    }

    @Override
    public String describe(long entry, int level) {
        return (entry & P) == 0 ? "not present" : PteFlags.toString(decode(entry, level));
    }
}
