package org.kmemu.alloc.slub;

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
