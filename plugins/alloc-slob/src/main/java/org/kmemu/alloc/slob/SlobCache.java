package org.kmemu.alloc.slob;

import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.SlabCache;

/**
 * SLOB's {@code struct kmem_cache}: a name, a size, an alignment and a constructor, and no slabs of
 * its own (mm/slob.c {@code __kmem_cache_create} only records flags). The counters are kmemu's, for
 * slabinfo and kmem_cache_destroy; they are guarded by the SLOB lock.
 */
final class SlobCache implements SlabCache {
    final String name;
    final int objectSize;
    /** {@code c->size}. */
    final int size;
    /** {@code c->align}: calculate_alignment (mm/slab_common.c). */
    final int align;
    final int flags;
    final ObjectConstructor ctor;
    /** Index in the allocator's cache table; heap pages record {@code id + 1} per object. */
    final int id;
    /**
     * Bytes of kmalloc header before each object: ARCH_KMALLOC_MINALIGN for the kmalloc pseudo-cache
     * (__do_kmalloc_node stores the size there), 0 for kmem_cache objects.
     */
    final int header;
    /** Objects go to the page allocator (c->size &gt;= PAGE_SIZE, or a kmalloc too big for the heap). */
    final boolean big;
    /** get_order(size) of a big cache's objects. */
    final int order;
    final int slotSize;
    /** Objects in use. */
    long inuse;
    boolean destroyed;

    SlobCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor, int id, int header,
              boolean big, int order, int slotSize) {
        this.name = name;
        this.objectSize = objectSize;
        this.size = objectSize;
        this.align = align;
        this.flags = flags;
        this.ctor = ctor;
        this.id = id;
        this.header = header;
        this.big = big;
        this.order = order;
        this.slotSize = slotSize;
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
        return slotSize;
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
