package org.kmemu.api;

/**
 * Where a slab policy gets its slabs: pages from the page allocator, marked as slab pages of one cache
 * (the kernel's {@code PG_slab} and {@code slab->slab_cache}), so that {@code kfree} and {@code ksize}
 * can find an object's cache from its address. Slabs are lowmem and returned by kernel address.
 */
public interface SlabPages {

    /**
     * {@code alloc_slab_page()}.
     *
     * @param cpu   the calling CPU
     * @param gfp   flags (the cache's, plus the caller's reclaim rules); __GFP_HIGHMEM is not allowed
     * @param order log2 of the pages in the slab
     * @param cache the cache the slab belongs to
     * @return the slab's kernel address, or 0 if no pages could be had
     */
    long allocSlab(int cpu, int gfp, int order, SlabCache cache);

    /**
     * {@code __free_slab()}: gives a slab's pages back.
     *
     * @param cpu   the calling CPU
     * @param vaddr the address {@link #allocSlab} returned
     * @param order the order it was allocated with
     */
    void freeSlab(int cpu, long vaddr, int order);
}
