package org.kmemu.alloc.buddy;

/**
 * Intrusive circular doubly linked lists of pages threaded through two shared {@code int[]} arrays,
 * the struct-of-arrays form of {@code struct list_head page->buddy_list / pcp_list}.
 *
 * <p>A list is one slot of a {@code heads} array holding the index of its first page, or {@link #NIL}.
 * The first page's {@code prev} is the last page, so both ends are O(1): {@code list_add} puts a page
 * at the head, {@code list_add_tail} at the tail, and {@code list_last_entry} is {@code prev[head]}.
 * A page is on at most one list at a time (a free area list or a per-CPU list), so free lists and
 * per-CPU lists share the arrays. Indices are zone-relative pfns; callers hold whatever lock owns
 * the list (the zone lock, or being the list's CPU).
 */
final class PageList {
    private PageList() {
    }

    /** The empty-list / no-page sentinel. */
    static final int NIL = -1;

    /** {@code list_add}: {@code page} becomes the first entry. */
    static void addHead(int[] next, int[] prev, int[] heads, int slot, int page) {
        int head = heads[slot];
        if (head == NIL) {
            next[page] = page;
            prev[page] = page;
        } else {
            linkBefore(next, prev, head, page);
        }
        heads[slot] = page;
    }

    /** {@code list_add_tail}: {@code page} becomes the last entry. */
    static void addTail(int[] next, int[] prev, int[] heads, int slot, int page) {
        int head = heads[slot];
        if (head == NIL) {
            next[page] = page;
            prev[page] = page;
            heads[slot] = page;
        } else {
            linkBefore(next, prev, head, page);
        }
    }

    /** {@code list_del}: unlinks {@code page}, which must be on the list in {@code slot}. */
    static void remove(int[] next, int[] prev, int[] heads, int slot, int page) {
        int n = next[page];
        if (n == page) {
            assert heads[slot] == page : "page " + page + " is not on list " + slot;
            heads[slot] = NIL;
            return;
        }
        int p = prev[page];
        next[p] = n;
        prev[n] = p;
        if (heads[slot] == page) {
            heads[slot] = n;
        }
    }

    /** @return {@code list_last_entry}, or NIL for an empty list */
    static int last(int[] prev, int[] heads, int slot) {
        int head = heads[slot];
        return head == NIL ? NIL : prev[head];
    }

    private static void linkBefore(int[] next, int[] prev, int head, int page) {
        int tail = prev[head];
        next[page] = head;
        prev[page] = tail;
        next[tail] = page;
        prev[head] = page;
    }
}
