package org.kmemu.alloc.buddy;

/**
 * Intrusive circular doubly linked lists of pages threaded through the pages' own words
 * ({@link FreeLinks}), the kernel's {@code struct list_head page->buddy_list}: the free areas' lists.
 * Per-CPU lists use the same words in the shape of {@link PcpList}.
 *
 * <p>A list is one slot of a {@code heads} array holding the index of its first page, or {@link #NIL}.
 * The first page's {@code prev} is the last page, so both ends are O(1): {@code list_add} puts a page
 * at the head, {@code list_add_tail} at the tail, and {@code list_last_entry} is {@code prev(head)}.
 * A page is on at most one list at a time (a free area list or a per-CPU list), so free lists and
 * per-CPU lists share the words. Indices are zone-relative pfns; callers hold whatever lock owns
 * the list (the zone lock, or being the list's CPU). A page taken off a list has its word cleared,
 * so a page the allocator hands out carries no links.
 */
final class PageList {
    private PageList() {
    }

    /** The empty-list / no-page sentinel. */
    static final int NIL = -1;

    /** {@code list_add}: {@code page} becomes the first entry. */
    static void addHead(FreeLinks links, int[] heads, int slot, int page) {
        int head = heads[slot];
        if (head == NIL) {
            links.set(page, page, page);
        } else {
            linkBefore(links, head, page);
        }
        heads[slot] = page;
    }

    /** {@code list_add_tail}: {@code page} becomes the last entry. */
    static void addTail(FreeLinks links, int[] heads, int slot, int page) {
        int head = heads[slot];
        if (head == NIL) {
            links.set(page, page, page);
            heads[slot] = page;
        } else {
            linkBefore(links, head, page);
        }
    }

    /** {@code list_del}: unlinks {@code page}, which must be on the list in {@code slot}, and clears its word. */
    static void remove(FreeLinks links, int[] heads, int slot, int page) {
        long word = links.word(page);
        int n = FreeLinks.next(word);
        links.clear(page);
        if (n == page) {
            assert heads[slot] == page : "page " + page + " is not on list " + slot;
            heads[slot] = NIL;
            return;
        }
        int p = FreeLinks.prev(word);
        if (n == p) {
            links.set(n, n, n); // two entries: the other one is left alone on the list
        } else {
            links.setNext(p, n);
            links.setPrev(n, p);
        }
        if (heads[slot] == page) {
            heads[slot] = n;
        }
    }

    /** @return {@code list_last_entry}, or NIL for an empty list */
    static int last(FreeLinks links, int[] heads, int slot) {
        int head = heads[slot];
        return head == NIL ? NIL : links.prev(head);
    }

    private static void linkBefore(FreeLinks links, int head, int page) {
        long headWord = links.word(head);
        int tail = FreeLinks.prev(headWord);
        links.set(page, head, tail);
        if (tail == head) {
            links.set(head, page, page); // one entry: it and the new page link to each other
        } else {
            links.setNext(tail, page);
            links.set(head, FreeLinks.next(headWord), page);
        }
    }
}
