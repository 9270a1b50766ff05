package org.kmemu.api;

/**
 * Flags of {@code kmem_cache_create()} (include/linux/slab.h; values as in 6.x before they became
 * enum-generated bits in 6.9: same names, same meaning).
 */
public final class SlabFlags {
    private SlabFlags() {
    }

    /** Fill objects with poison on free and check it on allocation (debug). */
    public static final int SLAB_POISON = 0x800;
    /** Red zones around objects (debug). */
    public static final int SLAB_RED_ZONE = 0x400;
    /** Align objects to the cache line. */
    public static final int SLAB_HWCACHE_ALIGN = 0x2000;
    /** Allocate slabs with GFP_DMA. */
    public static final int SLAB_CACHE_DMA = 0x4000;
    /** Allocate slabs with GFP_DMA32. */
    public static final int SLAB_CACHE_DMA32 = 0x8000;
    /** Objects are reclaimable: slabs come from MIGRATE_RECLAIMABLE pageblocks. */
    public static final int SLAB_RECLAIM_ACCOUNT = 0x20000;
    /** Panic if the cache cannot be created. */
    public static final int SLAB_PANIC = 0x40000;
    /** A kmalloc cache (set by the core on the caches of the policy's kmalloc table, {@link KmallocSizes}). */
    public static final int SLAB_KMALLOC = 0x1000;
}
