package org.kmemu.api;

/**
 * Where a slab policy gets its slabs: pages from the page allocator, marked as slab pages of one cache
 * (the kernel's {@code PG_slab} and {@code slab->slab_cache}), so that {@code kfree} and {@code ksize}
 * can find an object's cache from its address. Slabs are lowmem and returned by kernel address.
 *
 * <h2>The owner of a slab page</h2>
 * The kernel finds an object's slab from its address through struct page ({@code virt_to_slab}: the
 * page <em>is</em> the slab). A policy does the same with {@link #setOwner} and {@link #owner}: it
 * records its own slab descriptor in the struct page of every page of the slab, and gets it back from
 * any address inside. The machine keeps it in the frame's word (which a slab page does not use for a
 * mapping, as {@code slab->slab_cache} overlays {@code page->mapping}), so a policy needs no map of its
 * own from addresses to slabs.
 *
 * <p><b>Who calls it.</b> A slab policy, on the thread of the CPU it acts for. <b>Failure.</b> Running out
 * of pages returns 0, as the page allocator does. The host implements it (kmemu-tck's
 * {@code SlabFixtures} too).
 *
 * @since 1.0
 */
@HostProvided
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

    /**
     * Records the policy's descriptor of a slab as the owner of the slab's pages. Called by the policy once
     * per slab, after {@link #allocSlab} and before any object of the slab is handed out, on the
     * allocating CPU's thread. The owner stays until {@link #freeSlab} (which forgets it) or another
     * {@code setOwner} for the same slab. Slow path: it may allocate and lock.
     *
     * @param vaddr the address {@link #allocSlab} returned
     * @param order the order it was allocated with
     * @param owner the policy's descriptor, or null to forget the owner before the slab is freed (a
     *              policy that recycles its descriptors does so when it retires the slab)
     */
    void setOwner(long vaddr, int order, Object owner);

    /**
     * {@code virt_to_slab()}: the owner recorded for the slab page that holds {@code vaddr}. Called on
     * every free and ksize, from any thread, with any address (a misused kfree passes anything): the
     * hot path, so it takes no lock and allocates nothing. It sees an owner set on another thread if the
     * address itself was handed over with a happens-before edge, as objects are.
     *
     * @param vaddr any address
     * @return the owner, or null if the address is no direct-mapped address of a slab page with an owner
     */
    Object owner(long vaddr);
}
