package org.kmemu.alloc.slub;

import java.util.Arrays;

/**
 * One slab's {@code struct slab} fields that SLUB uses: base address, order, object count, the
 * slab-level free list head (a kernel address; the chain continues inside the free objects), inuse,
 * frozen, and the node partial-list links. One small object per slab (never per object), recycled
 * through its cache's pool when the slab is freed.
 *
 * <p>All fields are guarded by the owning cache's node lock ({@link CacheNode}), except that a CPU
 * reads {@link #cache} through the page map without it (it is set before the slab is published).
 */
final class Slab {
    /** slab_address(): the kernel address of the first object. */
    long addr;
    /** The order the slab was allocated with (s->oo or, after a fallback, s->min). */
    int order;
    /** slab->objects. */
    int objects;
    /**
     * slab->inuse: objects not on the slab's own free list. A frozen (per-CPU) slab counts the CPU's
     * free list as in use, as SLUB does when it moves the free list to the CPU.
     */
    int inuse;
    /** slab->freelist: first free object, 0 for none. */
    long freelist;
    /** slab->frozen: the slab is some CPU's c->slab and on no list. */
    boolean frozen;
    /** Whether the slab is on its node's partial list. */
    boolean onPartial;
    /** Partial-list links. */
    Slab prev;
    Slab next;
    /** slab->slab_cache. */
    volatile SlubCache cache;
    /** The CPU whose slab this is while {@link #frozen}. */
    int cpu;
    /**
     * One bit per object, set while the object is with a caller: what slub_debug's free checks
     * (on_freelist) find by walking the free lists, kept as a bitmap so that every free can afford it.
     * Guarded by the owning CPU's {@link CpuSlab} lock while the slab is frozen (allocation and the
     * owner's frees hold only that; other CPUs' frees take it too), by the node lock otherwise; plain
     * loads and stores, no atomics on the fast paths.
     */
    long[] inUse = new long[1];

    /** Readies the bitmap for {@code objects} free objects. Caller holds the node lock; not yet published. */
    void clearInUse(int objects) {
        int words = (objects + 63) >>> 6;
        if (inUse.length < words) {
            inUse = new long[words];
        } else {
            Arrays.fill(inUse, 0, words, 0L);
        }
    }

    /** Marks object {@code index} handed out. Caller holds the lock that guards {@link #inUse}. */
    void markAllocated(int index) {
        long before = inUse[index >>> 6];
        assert (before & (1L << index)) == 0 : "object " + index + " handed out while in use";
        inUse[index >>> 6] = before | (1L << index);
    }

    /**
     * Caller holds the lock that guards {@link #inUse}.
     *
     * @return true if object {@code index} was in use and is now marked free; false if it was already free
     */
    boolean markFree(int index) {
        long bit = 1L << index;
        long w = inUse[index >>> 6];
        inUse[index >>> 6] = w & ~bit;
        return (w & bit) != 0;
    }

    void reset() {
        addr = 0;
        order = 0;
        objects = 0;
        inuse = 0;
        freelist = 0;
        frozen = false;
        onPartial = false;
        prev = null;
        next = null;
        cache = null;
    }
}
