package org.kmemu.alloc.slab;

/**
 * {@code struct array_cache}: a LIFO stack of free object addresses. A per-CPU one is guarded by its
 * own monitor (the kernel disables local interrupts); the node's shared one by the node lock.
 */
final class ArrayCache {
    final long[] entry;
    final int limit;
    final int batchcount;
    int avail;
    /** Set by an allocation since the last reap; an untouched array refills at most BATCHREFILL_LIMIT. */
    boolean touched;

    ArrayCache(int limit, int batchcount) {
        this.entry = new long[limit];
        this.limit = limit;
        this.batchcount = batchcount;
    }

    /**
     * transfer_objects: moves up to {@code max} of the most recent entries of {@code from} onto this array.
     *
     * @return how many moved
     */
    int transferFrom(ArrayCache from, int max) {
        int nr = Math.min(Math.min(from.avail, max), limit - avail);
        if (nr <= 0) {
            return 0;
        }
        System.arraycopy(from.entry, from.avail - nr, entry, avail, nr);
        from.avail -= nr;
        avail += nr;
        return nr;
    }

    /** Drops the first {@code n} entries, as the memmove after a flush does. */
    void removeFirst(int n) {
        avail -= n;
        System.arraycopy(entry, n, entry, 0, avail);
    }

    boolean contains(long objp) {
        for (int i = 0; i < avail; i++) {
            if (entry[i] == objp) {
                return true;
            }
        }
        return false;
    }
}
