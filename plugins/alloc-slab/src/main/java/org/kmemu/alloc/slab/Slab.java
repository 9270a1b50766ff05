package org.kmemu.alloc.slab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One slab: the fields SLAB kept in the head {@code struct page} (s_mem, freelist, active, lru).
 * The freelist itself, an array of {@code num} 16-bit object indices whose entries
 * {@code [active, num)} are the free objects, lives in emulated RAM at {@link #freelist}; see
 * {@link SlabAllocatorImpl} for its word layout. Mutable fields are guarded by the cache's node lock.
 */
final class Slab {
    final KmemCache cache;
    /** The address allocSlab returned. */
    final long base;
    /** {@code page->s_mem}: the first object. */
    final long sMem;
    /** {@code page->freelist}: the management area, on the slab or a management object. */
    final long freelist;
    /** {@code page->active}: objects handed out (to array caches or callers). */
    int active;
    /** Which {@link SlabList} holds the slab, null while on none. */
    SlabList list;
    Slab prev;
    Slab next;
    /**
     * One byte per object, 1 while the object is with a caller: CONFIG_DEBUG_SLAB's red-zone state
     * (RED_ACTIVE / RED_INACTIVE). CPUs allocate and free objects of one slab under different array-cache
     * locks, so each object has its own byte (no word shared between objects): allocation stores plainly
     * (the object reaches its freer through the caller's own synchronisation), a free compares and sets
     * ({@link #IN_USE}), so two frees of one object never both succeed.
     */
    final byte[] inUse;

    private static final VarHandle IN_USE = MethodHandles.arrayElementVarHandle(byte[].class);

    Slab(KmemCache cache, long base, long sMem, long freelist) {
        this.cache = cache;
        this.base = base;
        this.sMem = sMem;
        this.freelist = freelist;
        this.inUse = new byte[cache.geometry.num()];
    }

    /** @return obj_to_index, or -1 if {@code objp} is not the start of an object of this slab */
    int objToIndex(long objp) {
        long off = objp - sMem;
        int size = cache.geometry.size();
        if (off < 0 || off >= (long) size * cache.geometry.num()) {
            return -1;
        }
        int idx = (int) ((off * cache.reciprocalSize) >>> 32);
        return (long) idx * size == off ? idx : -1;
    }

    /** Marks object {@code idx} handed out. */
    void markAllocated(int idx) {
        assert inUse[idx] == 0 : "object " + idx + " handed out while in use";
        inUse[idx] = 1;
    }

    /** @return true if object {@code idx} was in use and is now marked free; false if it was already free */
    boolean markFree(int idx) {
        return IN_USE.compareAndSet(inUse, idx, (byte) 1, (byte) 0);
    }

    long indexToObj(int idx) {
        return sMem + (long) idx * cache.geometry.size();
    }
}
