package org.kmemu.core.experiment;

import org.kmemu.core.trace.KmemProbe;

/**
 * A {@link KmemProbe} that keeps the objects alive now (kmalloc and kmem_cache_alloc not yet freed) and
 * the bytes each asked for, so that a run can say how much of its slab pages holds what was asked
 * ({@link RunStats.Totals#slabWasteBytes}). An open-addressed table of address to bytes asked, linear
 * probing, removal by shifting the run back (Knuth, TAOCP vol. 3, 6.4, Algorithm R): no boxing and no
 * allocation per event.
 *
 * <p><b>Thread.</b> An experiment run's machine has one thread for all its CPUs, so the probe is not
 * synchronised: attach it only to such a machine.
 */
final class LiveObjects implements KmemProbe {
    private long[] keys = new long[1024];
    private long[] values = new long[1024];
    private int size;

    @Override
    public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq, long bytesAlloc,
                        int gfp) {
        if (ptr != 0) {
            put(ptr, bytesReq);
        }
    }

    @Override
    public void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                               long bytesAlloc, int gfp) {
        if (ptr != 0) {
            put(ptr, bytesReq);
        }
    }

    @Override
    public void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        remove(ptr);
    }

    @Override
    public void kmemCacheFree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        remove(ptr);
    }

    /** Walks the live objects: address and bytes asked. */
    interface Visitor {
        void object(long ptr, long bytesReq);
    }

    /** @param v called once per live object, in no particular order */
    void forEach(Visitor v) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                v.object(keys[i], values[i]);
            }
        }
    }

    /** @return live objects */
    int size() {
        return size;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads aligned addresses
        return (int) (h ^ (h >>> 32)) & (keys.length - 1);
    }

    private void put(long key, long value) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int i = slot(key);
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & (keys.length - 1);
        }
        if (keys[i] == 0) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    private void remove(long key) {
        if (key == 0) {
            return;
        }
        int mask = keys.length - 1;
        int i = slot(key);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return; // not one this probe saw allocated (freed twice, or allocated before it was attached)
            }
            i = (i + 1) & mask;
        }
        size--;
        // Algorithm R: move back each later entry of the run whose home slot is not between the hole and it.
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        values[hole] = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}
