package org.kmemu.api;

/**
 * A slab allocator: the {@code kmem_cache} machinery of one policy (SLUB, SLAB, SLOB, ...). The core
 * owns kmalloc's front end and large allocations and calls this for every cache, kmalloc-* included;
 * which kmalloc caches exist is the policy's ({@link ObjectAllocatorPolicy#kmallocSizes}). A policy
 * without kmalloc caches (SLOB) serves kmalloc itself through {@link #kmalloc}.
 *
 * <p>Thread-safety: any thread, each acting as one CPU and passing its number; per-CPU state needs no
 * lock, shared state is the policy's to lock. Allocation and free are the hot path: no allocation of
 * Java objects, no logging when they succeed. Running out returns 0; misuse (freeing to the wrong
 * cache, a double free, a pointer that is not an object) is reported in the kernel's words through the
 * log and the offending call is ignored, so that the policy's state stays consistent; where the kernel
 * would not return (a BUG_ON, a use of a destroyed cache) the policy throws {@link KernelOopsException}
 * after printing the report, with its state unchanged. Never another exception for what the caller
 * did: the core has already refused NULL and addresses outside the direct map.
 *
 * <p><b>Caller and TCK.</b> The core's slab layer (kmem_cache_*, kmalloc, /proc/slabinfo), on the
 * thread of the CPU whose number each call passes. {@code ObjectAllocatorContractTest} checks the
 * contract.
 *
 * @since 1.0
 */
public interface SlabAllocator {

    /**
     * {@code kmem_cache_create()}. The core has already refused what mm/slab_common.c refuses before it
     * calls the allocator (an empty name, a size below 1, an alignment that is not 0 or a power of two),
     * so a policy only checks its own limits.
     *
     * @param name       the cache's name
     * @param objectSize bytes per object, at least 1
     * @param align      required alignment, 0 or a power of two
     * @param flags      {@link SlabFlags}
     * @param ctor       a constructor, or null
     * @return the cache, or null if the policy cannot hold objects of this size (no slab order fits;
     *         the core then prints kmem_cache_create's failure and returns NULL)
     */
    SlabCache createCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor);

    /**
     * {@code kmem_cache_alloc()}.
     *
     * @param cpu   the calling CPU
     * @param cache the cache
     * @param gfp   allocation flags (__GFP_ZERO is the core's to apply)
     * @return the object's kernel address, or 0
     * @throws KernelOopsException if the cache was destroyed
     */
    long alloc(int cpu, SlabCache cache, int gfp);

    /**
     * {@code kmem_cache_free()}. Naming a cache other than the object's is the kernel's
     * "cache_from_obj: Wrong slab cache. %s but object is from %s" warning, after which the object
     * goes back to its own cache (mm/slab.h).
     *
     * @param cpu   the calling CPU
     * @param cache the cache the caller names
     * @param objp  the object
     */
    void free(int cpu, SlabCache cache, long objp);

    /**
     * @param objp a kernel address
     * @return the cache whose slab holds it, or null if no slab of this allocator does
     */
    SlabCache cacheOf(long objp);

    /**
     * {@code kmem_cache_destroy()}: frees the cache's empty slabs; objects still in use are reported
     * ("Objects remaining in %s on __kmem_cache_shutdown()", "kmem_cache_destroy %s: Slab cache still
     * has objects") and the cache stays, with its busy slabs: its objects can still be freed and the
     * cache destroyed again once empty (the kernel leaks it instead).
     *
     * @param cpu   the calling CPU
     * @param cache the cache
     * @return true if the cache was empty and is now destroyed
     * @throws KernelOopsException if the cache was already destroyed
     */
    boolean destroyCache(int cpu, SlabCache cache);

    /**
     * {@code kmem_cache_shrink()}: gives every empty slab back to the page allocator, per-CPU ones included.
     *
     * @param cpu   the calling CPU
     * @param cache the cache
     * @throws KernelOopsException if the cache was destroyed
     */
    void shrink(int cpu, SlabCache cache);

    /**
     * kmalloc for a policy whose {@link KmallocSizes} has no caches (SLOB's {@code __do_kmalloc_node}).
     * The core calls it for 1 to {@link KmallocSizes#maxCacheSize()} bytes, with its own checks done and
     * __GFP_ZERO left to the core; {@link #cacheOf} must then name some cache for the object, so that kfree
     * can give it back through {@link #free}, and {@link #ksize} its usable size. Hot path, like {@link #alloc}.
     *
     * @param cpu  the calling CPU
     * @param size bytes asked
     * @param gfp  allocation flags
     * @return the object's kernel address, or 0
     * @throws UnsupportedOperationException by default: policies with kmalloc caches never get this call
     */
    default long kmalloc(int cpu, int size, int gfp) {
        throw new UnsupportedOperationException("kmalloc(" + size + "): this policy serves kmalloc from its caches");
    }

    /**
     * {@code ksize()} of an object in one of this allocator's slabs.
     *
     * @param objp an object {@link #cacheOf} finds
     * @return its usable size; by default the slot size of its cache, 0 if no slab holds it
     */
    default long ksize(long objp) {
        SlabCache c = cacheOf(objp);
        return c == null ? 0 : c.slotSize();
    }

    /** @param cache a cache @return its /proc/slabinfo counters */
    SlabInfo slabInfo(SlabCache cache);
}
