package org.kmemu.api;

/**
 * A physical page allocator over the machine's zones: the kernel's {@code alloc_pages} and
 * {@code __free_pages}. Made by a {@link PageAllocatorPolicy}.
 *
 * <h2>Life cycle</h2>
 * Boot calls {@link #freeBootMemory} for every range of free RAM, single-threaded, before any other
 * call (as {@code memblock_free_all()} does). After that, the other methods may be called from any
 * number of threads, each acting as one CPU at a time and passing that CPU's number; an
 * implementation protects shared state with per-zone locks and may keep per-CPU state without locks.
 *
 * <h2>Failure</h2>
 * Running out is a result: {@link #allocPages} returns {@link #NO_PFN} and, unless the flags carry
 * {@link Gfp#__GFP_NOWARN}, prints the kernel's allocation-failure report to the {@link KernelLog}.
 * Misuse is a kernel bug, reported as the kernel reports it ("BUG: Bad page state ..."), and the
 * offending free is ignored so that the allocator's state stays consistent.
 *
 * <h2>Speed</h2>
 * {@link #allocPages} and {@link #freePages} are the hot path: no allocation, no boxing, no logging
 * when they succeed.
 *
 * <h2>Caller and TCK</h2>
 * The core's kernel services (alloc_pages, the slab layer, page tables, /proc), each call on the thread of
 * the CPU whose number it passes. An exception other than those above stops the run as a plugin bug.
 * {@code PageAllocatorContractTest} checks the whole contract.
 *
 * @since 1.0
 */
public interface PageAllocator {

    /** The pfn returned when no page could be allocated. */
    long NO_PFN = -1L;

    /** @return MAX_PAGE_ORDER: the largest order this allocator hands out (inclusive) */
    int maxOrder();

    /** @return pageblock_order: log2 of the pages per pageblock, the unit migrate types are kept in */
    int pageblockOrder();

    /**
     * Gives a range of free RAM to the allocator at boot. The range lies inside one zone and is not
     * reserved; ranges never overlap.
     *
     * @param startPfn the first free frame
     * @param nrPages  how many frames, at least one
     */
    void freeBootMemory(long startPfn, long nrPages);

    /**
     * {@code alloc_pages(gfp, order)}: a block of {@code 2^order} contiguous, naturally aligned frames
     * from the highest zone the flags allow, falling back to lower zones.
     *
     * @param cpu   the calling CPU
     * @param gfp   the allocation flags ({@link Gfp})
     * @param order log2 of the number of pages, 0 to {@link #maxOrder()}
     * @return the first frame of the block, or {@link #NO_PFN}
     * @throws IllegalArgumentException for an order above {@link #maxOrder()} or bad zone modifiers
     */
    long allocPages(int cpu, int gfp, int order);

    /**
     * {@code __free_pages(page, order)}: returns a block that {@link #allocPages} handed out, with the
     * same order. Freeing a block that is free, was never allocated, or with another order is reported
     * as a bad page and otherwise ignored.
     *
     * @param cpu   the calling CPU
     * @param pfn   the first frame of the block
     * @param order the order it was allocated with
     */
    void freePages(int cpu, long pfn, int order);

    /**
     * {@code split_page(page, order)} (mm/page_alloc.c): turns an allocated, non-compound block into
     * {@code 2^order} order-0 pages, each of which is then freed on its own with {@link #freePages} at
     * order 0. The core calls it from {@code __free_pages} when someone still holds a reference on the
     * block's first page: the kernel then frees the rest and leaves the first page to its last
     * {@code put_page}. Called on the freeing CPU's thread; the caller owns the block.
     *
     * @param pfn   the first frame of a block {@link #allocPages} handed out
     * @param order the order it was allocated with
     * @throws IllegalArgumentException if no block of that order was allocated at pfn (a core bug)
     * @throws UnsupportedOperationException if the policy cannot split blocks (the default)
     */
    default void splitPage(long pfn, int order) {
        throw new UnsupportedOperationException("splitPage: not supported by " + getClass().getName());
    }

    /**
     * {@code drain_all_pages()}: returns every page parked on a per-CPU list to the free areas, so that
     * buddies can merge. Call it only while no CPU allocates or frees (tests, reports, shutdown).
     * Policies without per-CPU lists need not override it.
     */
    default void drainAllPages() {
    }

    /**
     * @param zone a zone type
     * @return its free pages now (NR_FREE_PAGES), 0 for a zone that is not populated
     */
    long nrFreePages(ZoneType zone);

    /**
     * @param zone a populated zone type
     * @return a consistent snapshot of its free lists, watermarks and per-CPU lists
     * @throws IllegalArgumentException if the zone is not populated
     */
    ZoneStats zoneStats(ZoneType zone);

    /**
     * Whether a frame is free in the allocator: on one of its free lists or per-CPU lists, so that its
     * {@link FreePageWords} word holds the allocator's links and no mapping (the kernel's
     * {@code is_free_buddy_page()}, mm/page_alloc.c, widened to per-CPU pages). Called by the machine's
     * diagnostics ({@code dump_page}, a page's mapping read by a shell) on any thread without a lock, so
     * the answer may be stale by the time it returns, as the kernel's is. A policy that keeps links in
     * the lent words must override it; the default says no frame is.
     *
     * @param pfn any frame
     * @return whether the frame is free in the allocator with its word in use for links
     */
    default boolean isFreePage(long pfn) {
        return false;
    }

    /**
     * The heap the allocator keeps per frame and per pageblock (its part of struct page and of the
     * pageblock bitmap), for the machine's account of page metadata ({@code mem_map}'s cost per frame).
     * Called by the machine for reports and by tests, on any thread; it reads array lengths only.
     *
     * @return bytes of per-frame and per-pageblock state; 0 (the default) for a policy that keeps none
     */
    default long metadataBytes() {
        return 0;
    }
}
