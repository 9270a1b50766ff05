package org.kmemu.x86.common.mmu;

import static org.kmemu.x86.common.mmu.X86PteBits.ACCESSED;
import static org.kmemu.x86.common.mmu.X86PteBits.DIRTY;
import static org.kmemu.x86.common.mmu.X86PteBits.GLOBAL;
import static org.kmemu.x86.common.mmu.X86PteBits.NX;
import static org.kmemu.x86.common.mmu.X86PteBits.PCD;
import static org.kmemu.x86.common.mmu.X86PteBits.PRESENT;
import static org.kmemu.x86.common.mmu.X86PteBits.PSE;
import static org.kmemu.x86.common.mmu.X86PteBits.PWT;
import static org.kmemu.x86.common.mmu.X86PteBits.RW;
import static org.kmemu.x86.common.mmu.X86PteBits.SPECIAL;
import static org.kmemu.x86.common.mmu.X86PteBits.USER;

import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/**
 * What every x86 page-table format shares: the bits of {@link X86PteBits}, how they map to
 * {@link PteFlags}, and the rules of the Intel SDM vol. 3A chapter 4 that differ only in their
 * parameters. Each concrete format (2-level, PAE, 4-level, 5-level) is a subclass that fixes them and
 * draws its own entry layout.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>An entry with P clear decodes as 0. An entry with P set and a reserved bit set also decodes as
 *       0 (the walk stops there) and {@link #hasReservedBits} says so, for the fault's RSVD bit
 *       (SDM 4.7). Reserved here: PS in an entry where no large page may sit (PML5E, PML4E, and a
 *       PDPTE without 1-GByte page support: SDM tables 4-14, 4-15); NX while EFER.NXE is off
 *       (SDM 4.4.2, 4.5.4); bits 2:1, 8:5 and 63 of a PAE PDPTE (SDM table 4-8).</li>
 *   <li>A level whose entries have no permission bits (the PAE PDPT) decodes as
 *       PRESENT|WRITE|USER|EXEC so that the walker's AND over the levels is not restricted by it;
 *       its entries get only P from {@link #encodeTable} and no accessed bit from {@link #withFlags}.</li>
 *   <li>D, G and PSE mean something only in a leaf (SDM: "ignored" in entries that reference a
 *       table), so only leaves decode DIRTY, GLOBAL and HUGE.</li>
 *   <li>Table entries are {@code _PAGE_TABLE} (0x067) when user space may walk through them, else
 *       {@code _KERNPG_TABLE} (0x063), as pmd_populate/pud_populate/p4d_populate/pgd_populate make
 *       them (arch/x86/include/asm/pgalloc.h); they never carry NX, so execute permission is decided
 *       by the leaf.</li>
 *   <li>Leaves get exactly the bits of the {@link PteFlags} given; the kernel's own leaves come with
 *       ACCESSED and DIRTY already set ({@code __PAGE_KERNEL_EXEC}, pgtable_types.h), so callers pass
 *       them.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; {@link #decode} and {@link #address} do not allocate.
 */
public abstract class X86PageTableFormat implements PageTableFormat {
    /** Bits 2:1 and 8:5 and 63, reserved in a PAE PDPTE (SDM vol. 3A table 4-8). */
    static final long PDPTE_RESERVED = 0x1e6L | NX;

    private final String[] names;
    private final int[] shifts;
    private final int[] bits;
    private final boolean[] leafAllowed;
    private final boolean[] psReserved;
    private final int entryBytes;
    private final long addressMask;
    private final boolean nxBit;
    private final boolean nxEnabled;
    private final int permissionlessLevel;
    private final int last;

    /**
     * @param names               level names from the root
     * @param shifts              index shift per level
     * @param bits                index bits per level
     * @param leafAllowed         per level: whether PS makes a large leaf there (the last level is always a leaf)
     * @param psReserved          per level: whether PS set there is a reserved-bit violation (else it is ignored)
     * @param entryBytes          4 or 8
     * @param addressMask         PTE_PFN_MASK: the address bits of an entry that points at a table or 4 KiB page
     * @param nxBit               whether entries have an NX bit (8-byte formats)
     * @param nxEnabled           whether EFER.NXE is on: NX is honoured, or reserved when off
     * @param permissionlessLevel a level whose entries carry only P and the address (PAE's PDPT), or -1
     */
    protected X86PageTableFormat(String[] names, int[] shifts, int[] bits, boolean[] leafAllowed,
                                 boolean[] psReserved, int entryBytes, long addressMask, boolean nxBit,
                                 boolean nxEnabled, int permissionlessLevel) {
        assert names.length == shifts.length && shifts.length == bits.length
                && bits.length == leafAllowed.length && leafAllowed.length == psReserved.length;
        if (nxEnabled && !nxBit) {
            throw new IllegalArgumentException("nx: true (expected: false for a format with 4-byte entries, which have no NX bit)");
        }
        this.names = names.clone();
        this.shifts = shifts.clone();
        this.bits = bits.clone();
        this.leafAllowed = leafAllowed.clone();
        this.psReserved = psReserved.clone();
        this.entryBytes = entryBytes;
        this.addressMask = addressMask;
        this.nxBit = nxBit;
        this.nxEnabled = nxEnabled;
        this.permissionlessLevel = permissionlessLevel;
        this.last = names.length - 1;
        this.leafAllowed[last] = true;
    }

    @Override
    public final int levels() {
        return names.length;
    }

    @Override
    public final String levelName(int level) {
        return names[level];
    }

    @Override
    public final int indexShift(int level) {
        return shifts[level];
    }

    @Override
    public final int indexBits(int level) {
        return bits[level];
    }

    @Override
    public final int entryBytes() {
        return entryBytes;
    }

    @Override
    public final boolean leafAllowed(int level) {
        return leafAllowed[level];
    }

    /** @return whether EFER.NXE is on for this format: entries may carry NX */
    public final boolean nxEnabled() {
        return nxEnabled;
    }

    /**
     * @param entry a raw entry
     * @param level its level
     * @return whether it is present and sets a bit the hardware reserves at that level (a walk
     *         through it raises #PF with RSVD set)
     */
    public final boolean hasReservedBits(long entry, int level) {
        if ((entry & PRESENT) == 0) {
            return false;
        }
        if (psReserved[level] && (entry & PSE) != 0) {
            return true;
        }
        if (level == permissionlessLevel && (entry & PDPTE_RESERVED) != 0) {
            return true;
        }
        return nxBit && !nxEnabled && (entry & NX) != 0;
    }

    /**
     * @param entry a present entry
     * @param level its level
     * @return whether the walk ends at it: the last level, or PS set where a large page may sit
     */
    public final boolean isLeaf(long entry, int level) {
        return level == last || (leafAllowed[level] && (entry & PSE) != 0);
    }

    @Override
    public final int decode(long entry, int level) {
        if ((entry & PRESENT) == 0 || hasReservedBits(entry, level)) {
            return 0;
        }
        if (level == permissionlessLevel) {
            return PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC;
        }
        int flags = PteFlags.PRESENT;
        if ((entry & RW) != 0) {
            flags |= PteFlags.WRITE;
        }
        if ((entry & USER) != 0) {
            flags |= PteFlags.USER;
        }
        if ((entry & PWT) != 0) {
            flags |= PteFlags.WRITE_THROUGH;
        }
        if ((entry & PCD) != 0) {
            flags |= PteFlags.NO_CACHE;
        }
        if ((entry & ACCESSED) != 0) {
            flags |= PteFlags.ACCESSED;
        }
        if (!nxEnabled || (entry & NX) == 0) {
            flags |= PteFlags.EXEC;
        }
        if (isLeaf(entry, level)) {
            if ((entry & DIRTY) != 0) {
                flags |= PteFlags.DIRTY;
            }
            if ((entry & GLOBAL) != 0) {
                flags |= PteFlags.GLOBAL;
            }
            if (level == last && (entry & SPECIAL) != 0) {
                flags |= PteFlags.SPECIAL;
            }
            if (level != last) {
                flags |= PteFlags.HUGE;
            }
        }
        return flags;
    }

    @Override
    public final long address(long entry, int level) {
        if (level != last && isLeaf(entry, level)) {
            // A large leaf: the bits below its size are the offset, bit 12 is PAT_LARGE.
            return entry & addressMask & -(1L << shifts[level]);
        }
        return entry & addressMask;
    }

    @Override
    public final long encodeTable(long tablePhys, int level, int flags) {
        if (level < 0 || level >= last) {
            throw new IllegalArgumentException("level: " + level + " (expected: 0.." + (last - 1) + ", a level that points at a table)");
        }
        checkAddress("tablePhys", tablePhys, 1L << 12);
        if (level == permissionlessLevel) {
            // pud_populate() on PAE: "almost everything apart from _PAGE_PRESENT is reserved at the
            // pmd (PDPT) level" (arch/x86/mm/pgtable.c); SDM vol. 3A table 4-8.
            return tablePhys | PRESENT;
        }
        long entry = tablePhys | PRESENT | ACCESSED | DIRTY;
        if ((flags & PteFlags.WRITE) != 0) {
            entry |= RW;
        }
        if ((flags & PteFlags.USER) != 0) {
            entry |= USER;
        }
        return entry;
    }

    @Override
    public final long encodeLeaf(long pagePhys, int level, int flags) {
        if (level < 0 || level > last || !leafAllowed[level]) {
            throw new IllegalArgumentException("level: " + level + " (expected: a level where a leaf may sit)");
        }
        checkAddress("pagePhys", pagePhys, 1L << shifts[level]);
        long entry = pagePhys;
        if ((flags & PteFlags.PRESENT) != 0) {
            entry |= PRESENT;
        }
        if ((flags & PteFlags.WRITE) != 0) {
            entry |= RW;
        }
        if ((flags & PteFlags.USER) != 0) {
            entry |= USER;
        }
        if ((flags & PteFlags.WRITE_THROUGH) != 0) {
            entry |= PWT;
        }
        if ((flags & PteFlags.NO_CACHE) != 0) {
            entry |= PCD;
        }
        if ((flags & PteFlags.ACCESSED) != 0) {
            entry |= ACCESSED;
        }
        if ((flags & PteFlags.DIRTY) != 0) {
            entry |= DIRTY;
        }
        if ((flags & PteFlags.GLOBAL) != 0) {
            entry |= GLOBAL;
        }
        if (level == last && (flags & PteFlags.SPECIAL) != 0) {
            entry |= SPECIAL; // pte_mkspecial(): only 4 KiB PTEs carry it
        }
        if (level != last) {
            entry |= PSE;
        }
        if (nxEnabled && (flags & PteFlags.EXEC) == 0) {
            entry |= NX;
        }
        return entry;
    }

    @Override
    public final long withFlags(long entry, int level, int flags) {
        if (level == permissionlessLevel) {
            return entry; // a PDPTE has no accessed or dirty bit (bits 5 and 6 are reserved)
        }
        if ((flags & PteFlags.ACCESSED) != 0) {
            entry |= ACCESSED;
        }
        if ((flags & PteFlags.DIRTY) != 0) {
            entry |= DIRTY;
        }
        return entry;
    }

    @Override
    public final String describe(long entry, int level) {
        boolean large = level != last && (entry & PRESENT) != 0 && isLeaf(entry, level);
        return X86PteBits.describe(entry, level == last, large, nxBit);
    }

    private void checkAddress(String what, long phys, long align) {
        if ((phys & ~(addressMask & -align)) != 0) {
            throw new IllegalArgumentException(String.format("%s: %#x (expected: aligned to %#x, within mask %#x)",
                    what, phys, align, addressMask));
        }
    }
}
