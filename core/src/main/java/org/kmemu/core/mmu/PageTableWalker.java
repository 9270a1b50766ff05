package org.kmemu.core.mmu;

import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PhysicalMemory;

/**
 * The generic page-table walker: reads the architecture's tables from emulated RAM, one level at a
 * time, asking the {@link PageTableFormat} what each entry means. It is the x86 hardware walker and
 * the e500 software miss handler alike; the difference (who sets accessed and dirty) is only in who
 * calls {@link #markAccessed}.
 *
 * <p>Effective permissions follow x86 (Intel SDM vol. 3, 4.6): writable and user-accessible only if
 * every level allows it, executable only if no level forbids it. Stateless apart from its fixed
 * inputs; thread-safe.
 */
final class PageTableWalker {
    private static final int PERMS = PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC;

    private final PhysicalMemory memory;
    private final PageTableFormat format;
    private final int levels;
    private final int[] shifts;
    private final long[] indexMasks;
    private final int entryBytes;

    PageTableWalker(PhysicalMemory memory, PageTableFormat format) {
        this.memory = memory;
        this.format = format;
        this.levels = format.levels();
        this.shifts = new int[levels];
        this.indexMasks = new long[levels];
        for (int l = 0; l < levels; l++) {
            shifts[l] = format.indexShift(l);
            indexMasks[l] = (1L << format.indexBits(l)) - 1;
        }
        this.entryBytes = format.entryBytes();
    }

    PageTableFormat format() {
        return format;
    }

    int levels() {
        return levels;
    }

    /** @return the entry at {@code addr}, widened without sign extension */
    long readEntry(long addr) {
        return entryBytes == 8 ? memory.readLong(addr) : memory.readInt(addr) & 0xffffffffL;
    }

    void writeEntry(long addr, long entry) {
        if (entryBytes == 8) {
            memory.writeLongAtomic(addr, entry);
        } else {
            memory.writeIntAtomic(addr, (int) entry);
        }
    }

    private boolean casEntry(long addr, long expect, long entry) {
        return entryBytes == 8 ? memory.compareAndSetLong(addr, expect, entry)
                : memory.compareAndSetInt(addr, (int) expect, (int) entry);
    }

    /** @return the physical address of the entry for {@code vaddr} in the table at {@code table} of {@code level} */
    long entryAddress(long table, int level, long vaddr) {
        return table + ((vaddr >>> shifts[level]) & indexMasks[level]) * entryBytes;
    }

    /**
     * Walks from {@code root} for {@code vaddr}.
     *
     * @param root the root table's physical address (CR3)
     * @param vaddr the virtual address
     * @param t    filled with the result, or with the entries read up to a non-present one
     * @return true if a present leaf was found
     */
    boolean walk(long root, long vaddr, Translation t) {
        long table = root;
        int effective = PERMS;
        for (int level = 0; level < levels; level++) {
            long addr = entryAddress(table, level, vaddr);
            long entry = readEntry(addr);
            t.entries[level] = entry;
            t.entryAddrs[level] = addr;
            t.levelsRead = level + 1;
            int flags = format.decode(entry, level, vaddr);
            if ((flags & PteFlags.PRESENT) == 0) {
                return false;
            }
            effective &= flags;
            if (level == levels - 1 || (flags & PteFlags.HUGE) != 0) {
                t.pagePhys = format.address(entry, level);
                t.pageShift = shifts[level];
                t.flags = (flags & ~PERMS) | effective;
                t.leafLevel = level;
                t.leafEntryAddr = addr;
                return true;
            }
            table = format.address(entry, level);
        }
        throw new AssertionError("walk ran past the last level");
    }

    /**
     * Sets accessed on the leaf, and dirty for a write, writing the entry back only if it changes.
     * x86 hardware also sets accessed in the upper levels; Linux reads it only in leaves (and its
     * own table entries are made with it set, _KERNPG_TABLE), and e500's miss handler touches only
     * the PTE, so kmemu does what both agree on.
     *
     * @param t     a successful walk
     * @param write whether the access is a write
     */
    void markAccessed(Translation t, boolean write) {
        int level = t.leafLevel;
        long entry = t.entries[level];
        int set = PteFlags.ACCESSED | (write ? PteFlags.DIRTY : 0);
        if ((format.decode(entry, level) & set) != set) {
            long updated = format.withFlags(entry, level, set);
            // A locked update, as the hardware's: if the kernel changed the entry since the walk read it
            // (a fault on another CPU, a zap), its value stands and the TLB flush it posts drops ours.
            if (updated != entry && casEntry(t.entryAddrs[level], entry, updated)) {
                t.entries[level] = updated;
            }
        }
        t.flags |= set;
    }
}
