package org.kmemu.alloc.slab;

/**
 * {@code struct kmem_cache_node} of the machine's one node. Its monitor is {@code n->list_lock}: it
 * guards the three lists, the shared array, the counters and every {@link Slab}'s mutable fields.
 */
final class CacheNode {
    final SlabList slabsFull = new SlabList();
    final SlabList slabsPartial = new SlabList();
    final SlabList slabsFree = new SlabList();
    /** {@code n->shared}, or null when the cache has no shared array. */
    final ArrayCache shared;
    /** {@code n->free_limit}: free objects above which free_block gives empty slabs back. */
    final int freeLimit;
    /** Free objects in this node's slabs (not those in array caches). */
    int freeObjects;
    /** Set when a refill had to take a free slab. */
    boolean freeTouched;
    int colourNext;

    CacheNode(ArrayCache shared, int freeLimit) {
        this.shared = shared;
        this.freeLimit = freeLimit;
    }
}
