package org.kmemu.core.fs;

import java.util.Arrays;

/**
 * The index → pfn table of one {@link AddressSpace} (the kernel's {@code mapping->i_pages} xarray): an
 * open-addressing hash table of primitive {@code long}s, so a page-cache lookup neither boxes nor
 * allocates. It fits sparse large files (a table of n pages costs 16 bytes times between 2n and 4n
 * slots, whatever the indices), which a dense array over the file would not; the xarray's ordered walk
 * is not needed, since truncate and writeback visit every entry and filter by index.
 *
 * <p>Linear probing with a power-of-two capacity, a load factor of at most 1/2, and deletion by backward
 * shift (no tombstones), so a lookup stops at the first empty slot. {@link #NO_PFN} (-1) marks an empty
 * slot's value and a missing key. Not thread-safe: the owning {@link AddressSpace} holds its lock
 * (the xa_lock) around every call.
 */
final class PageIndexMap {
    /** What {@link #get} returns for an index with no page. */
    static final long NO_PFN = -1;

    private long[] keys;
    private long[] values;
    private int size;

    PageIndexMap() {
        keys = new long[16];
        values = new long[16];
        Arrays.fill(values, NO_PFN);
    }

    /** @return the number of entries ({@code mapping->nrpages}) */
    int size() {
        return size;
    }

    /**
     * @param index a page index, 0 or more
     * @return its pfn, or {@link #NO_PFN}
     */
    long get(long index) {
        int mask = keys.length - 1;
        for (int i = slot(index, mask); values[i] != NO_PFN; i = (i + 1) & mask) {
            if (keys[i] == index) {
                return values[i];
            }
        }
        return NO_PFN;
    }

    /**
     * Adds an entry for an index that has none.
     *
     * @param index a page index, 0 or more
     * @param pfn   its page, 0 or more
     */
    void putNew(long index, long pfn) {
        assert pfn != NO_PFN && get(index) == NO_PFN;
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        insert(keys, values, index, pfn);
        size++;
    }

    /**
     * @param index a page index
     * @return the pfn that was there, or {@link #NO_PFN}
     */
    long remove(long index) {
        int mask = keys.length - 1;
        int i = slot(index, mask);
        while (values[i] != NO_PFN && keys[i] != index) {
            i = (i + 1) & mask;
        }
        long pfn = values[i];
        if (pfn == NO_PFN) {
            return NO_PFN;
        }
        // Backward-shift deletion: pull later members of the probe run into the hole while the slot they
        // hash to does not lie cyclically in (hole, their slot].
        int hole = i;
        for (int j = (hole + 1) & mask; values[j] != NO_PFN; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = NO_PFN;
        size--;
        return pfn;
    }

    /**
     * Copies out the entries whose index is at least {@code fromIndex}.
     *
     * @param fromIndex the first index wanted
     * @return pairs {index, pfn} flattened: [i0, pfn0, i1, pfn1, ...], in no particular order
     */
    long[] entriesFrom(long fromIndex) {
        long[] out = new long[2 * size];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (values[i] != NO_PFN && keys[i] >= fromIndex) {
                out[n++] = keys[i];
                out[n++] = values[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private void grow() {
        long[] k = new long[keys.length * 2];
        long[] v = new long[keys.length * 2];
        Arrays.fill(v, NO_PFN);
        for (int i = 0; i < keys.length; i++) {
            if (values[i] != NO_PFN) {
                insert(k, v, keys[i], values[i]);
            }
        }
        keys = k;
        values = v;
    }

    private static void insert(long[] k, long[] v, long index, long pfn) {
        int mask = k.length - 1;
        int i = slot(index, mask);
        while (v[i] != NO_PFN) {
            i = (i + 1) & mask;
        }
        k[i] = index;
        v[i] = pfn;
    }

    /** Fibonacci hashing: consecutive indices (the usual case) spread over the table. */
    private static int slot(long index, int mask) {
        long h = index * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
