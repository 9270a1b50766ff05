package org.kmemu.alloc.buddy;

/**
 * A per-CPU list ({@code per_cpu_pages.lists[]}, the pages' {@code pcp_list}) threaded through the
 * pages' words ({@link FreeLinks}) with both ends held by the list (a {@code head} and a {@code tail}
 * slot), so that the hot pair, a free pushing a page at the head and an allocation popping it, touches
 * two words instead of the four a circular list touches (the old head's neighbours on both sides).
 *
 * <p>The ends link to themselves: the first page's {@code prev} is itself and the last page's
 * {@code next} is itself, so a page on a list never has the word 0 (FreeLinks stores links plus one)
 * and a page alone on its list is its own neighbour both ways. Only the list's CPU touches it.
 */
final class PcpList {
    private PcpList() {
    }

    /** {@code list_add}: a freed page becomes the first entry (the hottest, handed out next). */
    static void addHead(FreeLinks links, int[] head, int[] tail, int slot, int page) {
        int h = head[slot];
        if (h == PageList.NIL) {
            links.set(page, page, page);
            tail[slot] = page;
        } else {
            links.set(page, h, page);
            links.setPrev(h, page);
        }
        head[slot] = page;
    }

    /** {@code list_add_tail}: a refilled page becomes the last entry. */
    static void addTail(FreeLinks links, int[] head, int[] tail, int slot, int page) {
        int t = tail[slot];
        if (t == PageList.NIL) {
            links.set(page, page, page);
            head[slot] = page;
        } else {
            links.set(page, page, t);
            links.setNext(t, page);
        }
        tail[slot] = page;
    }

    /** Takes the first entry off a non-empty list and clears its word. @return the page */
    static int removeHead(FreeLinks links, int[] head, int[] tail, int slot) {
        int page = head[slot];
        int n = links.next(page);
        links.clear(page);
        if (n == page) {
            head[slot] = PageList.NIL;
            tail[slot] = PageList.NIL;
        } else {
            links.setPrev(n, n);
            head[slot] = n;
        }
        return page;
    }

    /** Takes the last entry (the coldest) off a non-empty list and clears its word. @return the page */
    static int removeTail(FreeLinks links, int[] head, int[] tail, int slot) {
        int page = tail[slot];
        int p = links.prev(page);
        links.clear(page);
        if (p == page) {
            head[slot] = PageList.NIL;
            tail[slot] = PageList.NIL;
        } else {
            links.setNext(p, p);
            tail[slot] = p;
        }
        return page;
    }
}
