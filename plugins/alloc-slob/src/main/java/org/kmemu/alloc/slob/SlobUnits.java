package org.kmemu.alloc.slob;

import org.kmemu.api.KernelMemory;

/**
 * The {@code slob_t} format (mm/slob.c): how a free block describes itself in RAM. One unit is
 * {@code sizeof(slob_t)}: an s16 ({@code slobidx_t}) while PAGE_SIZE &lt;= 2 * 32767, so 2 bytes with
 * 4 KiB pages, else an s32 (4 bytes). Offsets are counted in units from the page's first byte.
 *
 * <pre>
 *   free block of n &gt; 1 units           free block of 1 unit
 *   +--------+--------+-----------+      +---------+
 *   |   +n   |  next  | (unused)  |      |  -next  |
 *   +--------+--------+-----------+      +---------+
 *    unit 0   unit 1                      unit 0
 * </pre>
 *
 * {@code next} is the offset of the next free block of the same page; the last free block points at
 * the page's end (offset PAGE_SIZE / unit, page-aligned: that is how {@code slob_last} knows it).
 *
 * <p>Worked example, 4 KiB pages: a fresh page is one block of 2048 units whose second unit holds
 * 2048. Allocating 100 bytes (50 units) from it leaves a block at unit 50: {@code +1998} at byte 100,
 * {@code 2048} at byte 102.
 *
 * <p>KernelMemory has 32- and 64-bit accesses only, so a 2-byte unit is read and written as its half
 * of the aligned 32-bit word, chosen by the machine's byte order (found by a probe on the first page).
 * The read-modify-write is done under the SLOB lock; a concurrent store by the owner of the other half
 * (an object ending 2 bytes into the word) could be lost, which a real 16-bit store would not do.
 */
final class SlobUnits {
    private final KernelMemory memory;
    /** SLOB_UNIT in bytes: 2 or 4. */
    final int unit;
    /** SLOB_UNITS(PAGE_SIZE). */
    final int pageUnits;
    private final long pageMask;
    private boolean bigEndian;

    SlobUnits(KernelMemory memory, int pageShift) {
        this.memory = memory;
        int pageSize = 1 << pageShift;
        this.unit = pageSize <= 32767 * 2 ? 2 : 4;
        this.pageUnits = pageSize / unit;
        this.pageMask = pageSize - 1;
    }

    /** Learns the byte order from 8 scratch bytes at {@code vaddr} (a fresh slob page). */
    void probeByteOrder(long vaddr) {
        memory.writeLong(vaddr, 0);
        memory.writeInt(vaddr, 1);
        bigEndian = memory.readLong(vaddr) != 1;
    }

    /** SLOB_UNITS(size): bytes rounded up to whole units. */
    int unitsOf(long bytes) {
        return (int) ((bytes + unit - 1) / unit);
    }

    /** @return the raw {@code slob_t} at {@code vaddr} (sign-extended) */
    int read(long vaddr) {
        if (unit == 4) {
            return memory.readInt(vaddr);
        }
        int shift = shift(vaddr);
        return (short) (memory.readInt(vaddr & ~3L) >>> shift);
    }

    void write(long vaddr, int value) {
        if (unit == 4) {
            memory.writeInt(vaddr, value);
            return;
        }
        assert value == (short) value : value;
        int shift = shift(vaddr);
        long word = vaddr & ~3L;
        int mask = 0xffff << shift;
        memory.writeInt(word, (memory.readInt(word) & ~mask) | ((value & 0xffff) << shift));
    }

    /** Bit position of the 16-bit unit at {@code vaddr} inside its aligned 32-bit word. */
    private int shift(long vaddr) {
        assert (vaddr & 1) == 0 : Long.toHexString(vaddr);
        return ((vaddr & 2) != 0) ^ bigEndian ? 16 : 0;
    }

    /** set_slob(): describes the free block at {@code s} as {@code units} long, followed by {@code next}. */
    void set(long s, int units, long next) {
        int offset = (int) ((next - (s & ~pageMask)) / unit);
        if (units > 1) {
            write(s, units);
            write(s + unit, offset);
        } else {
            write(s, -offset);
        }
    }

    /** slob_units(). */
    int units(long s) {
        int v = read(s);
        return v > 0 ? v : 1;
    }

    /** slob_next(). */
    long next(long s) {
        int v = read(s);
        int offset = v < 0 ? -v : read(s + unit);
        return (s & ~pageMask) + (long) offset * unit;
    }

    /** slob_last(): the next free block is the page's end. */
    boolean last(long s) {
        return (next(s) & pageMask) == 0;
    }
}
