package org.kmemu.alloc.slab;

import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.SlabCache;

/**
 * {@code struct kmem_cache} of SLAB: the geometry, the enable_cpucache tunables, one array cache per
 * CPU and the node. Immutable apart from the arrays and the node, which have their own locks.
 */
final class KmemCache implements SlabCache {
    final String name;
    final int objectSize;
    final int flags;
    final ObjectConstructor ctor;
    final SlabGeometry geometry;
    /**
     * {@code cachep->reciprocal_buffer_size}: ceil(2^32 / size), so that obj_to_index multiplies instead of
     * dividing (mm/slab.h obj_to_index, include/linux/reciprocal_div.h). Exact for every offset that is a
     * multiple of size within a slab (k * (2^32 mod size) stays below 2^32), which is all obj_to_index needs.
     */
    final long reciprocalSize;
    /** {@code cachep->limit}, {@code batchcount}, {@code shared} as enable_cpucache set them. */
    final int limit;
    final int batchcount;
    final int sharedFactor;
    /** {@code cachep->allocflags} plus the migrate type. */
    final int allocFlags;
    final ArrayCache[] cpuCache;
    final CacheNode node;
    /** For off-slab caches: where management objects come from ({@code cachep->freelist_cache}). */
    final KmemCache freelistCache;
    volatile boolean destroyed;

    KmemCache(String name, int objectSize, int flags, ObjectConstructor ctor, SlabGeometry geometry, int limit,
              int batchcount, int sharedFactor, int allocFlags, int cpus, KmemCache freelistCache) {
        this.name = name;
        this.objectSize = objectSize;
        this.flags = flags;
        this.ctor = ctor;
        this.geometry = geometry;
        this.reciprocalSize = ((1L << 32) + geometry.size() - 1) / geometry.size();
        this.limit = limit;
        this.batchcount = batchcount;
        this.sharedFactor = sharedFactor;
        this.allocFlags = allocFlags;
        this.freelistCache = freelistCache;
        this.cpuCache = new ArrayCache[cpus];
        for (int i = 0; i < cpus; i++) {
            cpuCache[i] = new ArrayCache(limit, batchcount);
        }
        // alloc_kmem_cache_node: the shared array holds shared * batchcount objects; free_limit as
        // init_cache_node_node sets it, (1 + nr_cpus_node) * batchcount + num.
        ArrayCache shared = sharedFactor > 0 ? new ArrayCache(sharedFactor * batchcount, 0xbaadf00d) : null;
        this.node = new CacheNode(shared, (1 + cpus) * batchcount + geometry.num());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int objectSize() {
        return objectSize;
    }

    @Override
    public int slotSize() {
        return geometry.size();
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public String toString() {
        return name;
    }
}
