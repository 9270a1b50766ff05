package org.kmemu.alloc.slob;

/**
 * What {@code struct slab} (a {@code struct page} before 5.17) held for SLOB, for one page of the
 * heap, or for one object of a cache whose objects are PAGE_SIZE or larger (then {@link #big} is its
 * cache and the pages are that object alone, as slob_new_pages gave them).
 *
 * <p>For a heap page, {@link #owner} is kmemu's per-object record: at the unit where a live object
 * starts, the id + 1 of its cache; 0 elsewhere. Real SLOB needed none (kmalloc blocks carry their size
 * in a header; kmem_cache callers name their cache), but kmemu's kfree asks the policy for an object's
 * cache, and a page shared by all caches cannot answer that. All fields are guarded by the SLOB lock.
 */
final class SlobPage {
    /** Kernel address of the page. */
    long addr;
    /** {@code sp->units}: free units left (heap pages). */
    int units;
    /** {@code sp->freelist}: address of the first free block (heap pages). */
    long freelist;
    /** Which of the three lists holds the page, or {@link SlobHeap#NO_LIST} (PageSlobFree clear). */
    int list = SlobHeap.NO_LIST;
    /** {@code slab_list} links; the list heads are sentinel pages. */
    SlobPage prev;
    SlobPage next;
    /** Cache id + 1 per unit where an object starts; null for a big object's pages. */
    final char[] owner;
    /** The cache of a big object, else null. */
    SlobCache big;
    /** Page order of a big object. */
    int order;
    /** Index in {@link SlobHeap}'s table of heap pages, for slabInfo. */
    int index = -1;

    SlobPage(int pageUnits) {
        owner = pageUnits == 0 ? null : new char[pageUnits];
    }

    /** A list-head sentinel: links to itself. */
    static SlobPage head() {
        SlobPage h = new SlobPage(0);
        h.prev = h;
        h.next = h;
        return h;
    }
}
