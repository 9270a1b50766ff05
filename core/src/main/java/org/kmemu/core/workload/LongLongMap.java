package org.kmemu.core.workload;

import java.util.Arrays;

/**
 * A map from long to long with open addressing and linear probing, for the replay's pointer tables
 * (trace pointer to kmemu pointer): no boxing, no node per entry. Removal shifts the following run
 * back (Knuth's Algorithm R, TAOCP vol. 3, 6.4), so no tombstones build up over a long trace. Keys
 * may be any value but {@link #FREE}; the map grows at 1/2 load. Single-threaded.
 */
final class LongLongMap {
    /** The key that marks an empty slot: 0, which no traced pointer or pfn that is replayed uses. */
    static final long FREE = 0;

    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    LongLongMap() {
        this(64);
    }

    /** @param capacity a power of two */
    private LongLongMap(int capacity) {
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing: spreads aligned pointers' low zero bits
        return (int) (h ^ (h >>> 32));
    }

    /** @return the number of entries */
    int size() {
        return size;
    }

    /**
     * @param key      a key, not {@link #FREE}
     * @param notFound what to return if absent
     * @return the value, or {@code notFound}
     */
    long get(long key, long notFound) {
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == FREE) {
                return notFound;
            }
        }
    }

    /**
     * @param key      a key, not {@link #FREE}
     * @param value    its value
     * @param notFound what to return if the key was absent
     * @return the previous value, or {@code notFound}
     */
    long put(long key, long value, long notFound) {
        if (key == FREE) {
            throw new IllegalArgumentException("key 0 is the empty slot's mark");
        }
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                long old = values[i];
                values[i] = value;
                return old;
            }
            if (k == FREE) {
                keys[i] = key;
                values[i] = value;
                if (++size > (mask + 1) >>> 1) {
                    grow();
                }
                return notFound;
            }
        }
    }

    /**
     * @param key      a key
     * @param notFound what to return if absent
     * @return the removed value, or {@code notFound}
     */
    long remove(long key, long notFound) {
        int i = hash(key) & mask;
        for (;; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == FREE) {
                return notFound;
            }
            if (k == key) {
                break;
            }
        }
        long old = values[i];
        // Shift back every entry of the run after i whose home slot is not in (i, j].
        int hole = i;
        for (int j = (i + 1) & mask;; j = (j + 1) & mask) {
            long k = keys[j];
            if (k == FREE) {
                break;
            }
            int home = hash(k) & mask;
            boolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!stays) {
                keys[hole] = k;
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = FREE;
        values[hole] = 0;
        size--;
        return old;
    }

    /**
     * Calls {@code action} for each entry, then empties the map.
     *
     * @param action receives each key and value
     */
    void drain(Entry action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != FREE) {
                action.accept(keys[i], values[i]);
            }
        }
        Arrays.fill(keys, FREE);
        Arrays.fill(values, 0);
        size = 0;
    }

    /** Receives one entry. */
    @FunctionalInterface
    interface Entry {
        void accept(long key, long value);
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                put(oldKeys[i], oldValues[i], 0);
            }
        }
    }
}
