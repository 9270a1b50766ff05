package org.kmemu.api;

/**
 * One 64-bit word of {@code struct page} per frame that the machine lends its page allocator for the
 * pages the allocator holds free. The kernel threads its free lists through the free pages themselves
 * ({@code page->buddy_list} and {@code page->pcp_list}, list_heads inside struct page,
 * include/linux/mm_types.h), so a free page costs the allocator no memory of its own; a policy that
 * keeps its list links here needs no per-frame arrays either. The machine keeps this word in the same
 * slot of its struct page that holds {@code mapping|index} of a page in use and the owner of a slab
 * page: a free page has neither (free_pages_prepare() leaves {@code page->mapping} NULL).
 *
 * <h2>Contract</h2>
 * <ul>
 * <li><b>Who may write.</b> The policy, for a page only while that page is free in the policy: from
 *     the moment {@link PageAllocator#freeBootMemory} or {@link PageAllocator#freePages} hands it over
 *     until {@link PageAllocator#allocPages} returns a block that contains it. The machine hands pages
 *     over with the word 0.</li>
 * <li><b>What a page leaves with.</b> Every page of a block that {@code allocPages} returns has the word
 *     0 again: the policy clears what it wrote before it hands the block out (the caller stores the
 *     page's mapping there next).</li>
 * <li><b>Threads.</b> Called on the thread of the CPU that allocates or frees, or under the policy's
 *     own locks (the zone lock); the machine adds no synchronisation and no ordering: reads and writes
 *     are plain, and whatever orders the policy's list operations (its lock, or the confinement of a
 *     per-CPU list to its CPU's thread) orders these too.</li>
 * <li><b>Cost.</b> The allocator's hot path: O(1), no lock, no allocation, except that the first write
 *     into a range of frames whose storage the machine makes lazily may allocate it once.</li>
 * <li><b>Failure.</b> A pfn without a struct page ({@code !pfn_valid}) is a bug of the caller:
 *     {@link IllegalArgumentException} or {@link ArrayIndexOutOfBoundsException}.</li>
 * </ul>
 * A machine that lends no words returns null from {@link PageAllocatorContext#freePageWords()}; the
 * policy then keeps its links in storage of its own.
 *
 * <p><b>TCK.</b> {@code PageAllocatorContractTest} lends the policy a checking implementation
 * ({@code CheckedFreePageWords}) that fails the test on a read or write of the word of an allocated
 * page, and on a block handed out with a word not 0.
 *
 * @since 1.0
 */
public interface FreePageWords {

    /**
     * @param pfn a frame the policy holds free
     * @return the word the policy last wrote there, or 0 if it wrote none since the page came in
     */
    long get(long pfn);

    /**
     * @param pfn  a frame the policy holds free
     * @param word any value; 0 before the page leaves the allocator
     */
    void set(long pfn, long word);
}
