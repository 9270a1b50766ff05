package org.kmemu.alloc.slub;

import org.kmemu.api.Gfp;
import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabFlags;

/**
 * {@code struct kmem_cache} of SLUB: the geometry computed once by kmem_cache_open/calculate_sizes,
 * the per-CPU slabs and the node. Immutable except for the per-CPU and node state, which have their
 * own locks ({@link CpuSlab}, {@link CacheNode}).
 *
 * <p>Object layout without debugging (mm/slub.c, comment above check_pad_bytes):
 * <pre>
 *   0            offset       offset+8     objectSize           size
 *   |  object ...  | free ptr |  ... object  | padding to align   |      free pointer inside (default)
 *   |  object ...                | free ptr  | padding to align   |      free pointer outside (ctor, POISON, RCU)
 *                  inuse = ALIGN(objectSize, 8) ┘
 * </pre>
 */
final class SlubCache implements SlabCache {
    final String name;
    /** s->object_size. */
    final int objectSize;
    /** s->size: the slot. */
    final int size;
    /** s->align. */
    final int align;
    /**
     * ceil(2^32 / size): obj_to_index by multiplication (mm/slab.h, include/linux/reciprocal_div.h);
     * exact for offsets that are multiples of size within a slab, so {@code idx * size == offset} tells an
     * object start from any other pointer.
     */
    final long reciprocalSize;
    /** s->inuse: the object rounded to a word, before any pointer placed outside it. */
    final int inuse;
    /** s->offset: where the free pointer lives inside a free slot. */
    final int offset;
    final int flags;
    final ObjectConstructor ctor;
    /** oo_order(s->oo), oo_objects(s->oo). */
    final int order;
    final int objects;
    /** oo_order(s->min), oo_objects(s->min): the fallback when the preferred order fails. */
    final int minOrder;
    final int minObjects;
    /** s->min_partial. */
    final int minPartial;
    /** s->allocflags: __GFP_COMP plus the zone and migrate type the cache flags ask for. */
    final int allocFlags;
    final CpuSlab[] cpuSlabs;
    final CacheNode node = new CacheNode();
    /** Set by a successful destroy: later calls are misuse. */
    volatile boolean destroyed;

    SlubCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor, int cpus,
              SlubOptions options, int pageShift, int cacheLineBytes, int pointerBytes) {
        this.name = name;
        this.objectSize = objectSize;
        this.flags = flags;
        this.ctor = ctor;
        this.align = SlabGeometry.calculateAlignment(flags, align, objectSize, cacheLineBytes, pointerBytes);
        // calculate_sizes(): round to a word, place the free pointer, align the slot.
        int sz = SlabGeometry.alignUp(objectSize, pointerBytes);
        this.inuse = sz;
        if (SlabGeometry.freePointerOutside(flags, objectSize, ctor != null, pointerBytes)) {
            this.offset = sz;
            sz += pointerBytes;
        } else {
            // 5.7+: mid-object, away from the edges that small overflows reach.
            this.offset = SlabGeometry.alignDown(objectSize / 2, pointerBytes);
        }
        this.size = SlabGeometry.alignUp(sz, this.align);
        this.reciprocalSize = ((1L << 32) + size - 1) / size;
        // -1 when no slab order holds the slot (calculate_order's -ENOSYS): the allocator then refuses the
        // cache (kmem_cache_open fails, kmem_cache_create returns NULL) and never uses it.
        int o = SlabGeometry.calculateOrder(size, cpus, options, pageShift);
        this.order = o;
        this.objects = o < 0 ? 0 : SlabGeometry.orderObjects(o, size, pageShift);
        this.minOrder = o < 0 ? -1 : SlabGeometry.getOrder(size, pageShift);
        this.minObjects = o < 0 ? 0 : SlabGeometry.orderObjects(minOrder, size, pageShift);
        this.minPartial = SlabGeometry.minPartial(size);
        int gfp = Gfp.__GFP_COMP;
        if ((flags & SlabFlags.SLAB_CACHE_DMA) != 0) {
            gfp |= Gfp.GFP_DMA;
        }
        if ((flags & SlabFlags.SLAB_CACHE_DMA32) != 0) {
            gfp |= Gfp.GFP_DMA32;
        }
        if ((flags & SlabFlags.SLAB_RECLAIM_ACCOUNT) != 0) {
            gfp |= Gfp.__GFP_RECLAIMABLE;
        }
        this.allocFlags = gfp;
        this.cpuSlabs = new CpuSlab[cpus];
        for (int i = 0; i < cpus; i++) {
            cpuSlabs[i] = new CpuSlab();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int objectSize() {
        return objectSize;
    }

    /**
     * @return slab_ksize (mm/slub.c): object_size with red zones or poisoning, s->inuse when the free
     *         pointer is kept after the object for SLAB_TYPESAFE_BY_RCU, else the whole slot s->size
     */
    @Override
    public int slotSize() {
        if ((flags & (SlabFlags.SLAB_RED_ZONE | SlabFlags.SLAB_POISON)) != 0) {
            return objectSize;
        }
        if ((flags & SlabGeometry.SLAB_TYPESAFE_BY_RCU) != 0) {
            return inuse;
        }
        return size;
    }

    /** @return s->size, the slot each object takes (/proc/slabinfo's objsize) */
    public int size() {
        return size;
    }

    @Override
    public int flags() {
        return flags;
    }

    /** @return the free-pointer offset, s->offset */
    public int freePointerOffset() {
        return offset;
    }

    /** @return oo_order(s->oo) */
    public int order() {
        return order;
    }

    /** @return oo_objects(s->oo) */
    public int objectsPerSlab() {
        return objects;
    }

    /** @return s->align */
    public int align() {
        return align;
    }

    /** @return s->min_partial */
    public int minPartial() {
        return minPartial;
    }

    @Override
    public String toString() {
        return name + "(object_size=" + objectSize + ", size=" + size + ", order=" + order + ", objects=" + objects
                + ")";
    }
}
