package org.kmemu.alloc.slob;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kmemu.api.SlabPages;

/**
 * The SLOB heap proper (mm/slob.c {@code slob_alloc}, {@code slob_page_alloc}, {@code slob_free}):
 * single pages shared by every cache, each on at most one of three lists of partially free pages
 * chosen by request size (below SLOB_BREAK1 = 256 bytes, below SLOB_BREAK2 = 1024, the rest).
 *
 * <p>Allocation walks the list for the request's size and skips pages with fewer free units than
 * asked; in a page it takes the first free block big enough once the alignment prefix is split off
 * (address-ordered first fit), then rotates the list so the next search starts at that page (next fit
 * across pages, Knuth vol. 1, 2.5). A page whose last unit is taken leaves its list. If no page fits
 * the caller brings a fresh page ({@link #newPageLocked}), which goes to the head of the list.
 *
 * <p>Free inserts the block back in address order, merging with the free blocks just before and after
 * it. A page that becomes entirely free goes back to the page allocator at once; a full page that gets
 * a block back joins the list of that block's size (not of the page's first user), as slob_free does.
 *
 * <p>Invariants: a page's free blocks are in address order, disjoint, never adjacent after a free, and
 * add up to {@code units}; a page is on a list iff {@code units > 0}. Every method here is called with
 * this object's monitor held: it is {@code slob_lock}.
 */
final class SlobHeap {
    static final int NO_LIST = -1;
    static final int SMALL = 0;
    static final int MEDIUM = 1;
    static final int LARGE = 2;
    /** SLOB_BREAK1 and SLOB_BREAK2 (mm/slob.c). */
    static final int SLOB_BREAK1 = 256;
    static final int SLOB_BREAK2 = 1024;

    final SlobUnits slob;
    final SlabPages pages;
    private final SlobPage[] lists = {SlobPage.head(), SlobPage.head(), SlobPage.head()};
    /** Every heap page out, full ones included (SLOB kept no such list; slabInfo needs it). */
    final List<SlobPage> heapPages = new ArrayList<>();
    private final ArrayDeque<SlobPage> spare = new ArrayDeque<>();
    /** See {@link #keptEmpty}. */
    private final boolean keepEmptyPage;
    /**
     * kmemu's one deviation: with keep-empty-page, the heap page that last became entirely free stays
     * (on its list, usable) until another page empties, or kmem_cache_shrink/destroy; SLOB returned it
     * at once. It keeps the last freed object's page, and so its cacheOf answer, alive.
     */
    private SlobPage keptEmpty;
    private boolean probed;
    /** slob_page_alloc's {@code page_removed_from_list} out-parameter. */
    private boolean pageRemoved;

    SlobHeap(SlobUnits slob, SlabPages pages, boolean keepEmptyPage) {
        this.slob = slob;
        this.pages = pages;
        this.keepEmptyPage = keepEmptyPage;
    }

    /** @return the list a request of {@code bytes} searches (and a freed block of that size joins) */
    static int listFor(long bytes) {
        return bytes < SLOB_BREAK1 ? SMALL : bytes < SLOB_BREAK2 ? MEDIUM : LARGE;
    }

    /**
     * slob_alloc()'s search of the partially free pages.
     *
     * @param bytes       the block size
     * @param align       the alignment of {@code b + alignOffset}
     * @param alignOffset bytes before the aligned point (the kmalloc header), 0 for kmem_cache objects
     * @return the block, or 0 if no listed page has room (the caller then brings a page)
     */
    long allocLocked(int bytes, int align, int alignOffset) {
        int units = slob.unitsOf(bytes);
        SlobPage head = lists[listFor(bytes)];
        for (SlobPage sp = head.next; sp != head; sp = sp.next) {
            if (sp.units < units) {
                continue;
            }
            long b = pageAllocLocked(sp, units, align, alignOffset);
            if (b == 0) {
                continue;
            }
            if (!pageRemoved && head.next != sp) {
                rotateToFront(head, sp);
            }
            return b;
        }
        return 0;
    }

    /**
     * The second half of slob_alloc(): a fresh page from the page allocator becomes one free block on
     * the list for {@code bytes}, and the block is cut from it.
     *
     * @param vaddr the page
     * @return the block (never 0: a page always fits what the heap takes)
     */
    long newPageLocked(long vaddr, int bytes, int align, int alignOffset) {
        if (!probed) {
            slob.probeByteOrder(vaddr);
            probed = true;
        }
        SlobPage sp = spare.isEmpty() ? new SlobPage(slob.pageUnits) : spare.pop();
        sp.addr = vaddr;
        sp.units = slob.pageUnits;
        sp.freelist = vaddr;
        slob.set(vaddr, slob.pageUnits, vaddr + (long) slob.pageUnits * slob.unit);
        addToList(sp, listFor(bytes));
        sp.index = heapPages.size();
        heapPages.add(sp);
        pages.setOwner(vaddr, 0, sp);
        long b = pageAllocLocked(sp, slob.unitsOf(bytes), align, alignOffset);
        assert b != 0 : "a fresh page must fit " + bytes + " bytes";
        return b;
    }

    /** slob_page_alloc(): first fit in one page. @return the block or 0 */
    private long pageAllocLocked(SlobPage sp, int units, int align, int alignOffset) {
        pageRemoved = false;
        long prev = 0;
        for (long cur = sp.freelist; ; prev = cur, cur = slob.next(cur)) {
            int avail = slob.units(cur);
            long aligned = ((cur + alignOffset + align - 1) & -(long) align) - alignOffset;
            int delta = (int) ((aligned - cur) / slob.unit);
            if (avail >= units + delta) {
                if (delta > 0) {
                    // Split off the alignment prefix as a free block of its own.
                    long next = slob.next(cur);
                    slob.set(aligned, avail - delta, next);
                    slob.set(cur, delta, aligned);
                    prev = cur;
                    cur = aligned;
                    avail = slob.units(cur);
                }
                long next = slob.next(cur);
                long rest = avail == units ? next : cur + (long) units * slob.unit;
                if (prev != 0) {
                    slob.set(prev, slob.units(prev), rest);
                } else {
                    sp.freelist = rest;
                }
                if (avail != units) {
                    slob.set(rest, avail - units, next);
                }
                sp.units -= units;
                if (sp == keptEmpty) {
                    keptEmpty = null;
                }
                if (sp.units == 0) {
                    removeFromList(sp);
                    pageRemoved = true;
                }
                return cur;
            }
            if (slob.last(cur)) {
                return 0;
            }
        }
    }

    /**
     * slob_free().
     *
     * @param b     the block
     * @param bytes its size
     * @return the page to give back to the page allocator (it became entirely free), or 0
     */
    long freeLocked(long b, int bytes) {
        SlobPage sp = (SlobPage) pages.owner(b);
        assert sp != null && sp.owner != null : Long.toHexString(b);
        int units = slob.unitsOf(bytes);
        long release = 0;
        if (sp.units + units == slob.pageUnits) {
            if (!keepEmptyPage) {
                if (sp.list != NO_LIST) {
                    removeFromList(sp);
                }
                releaseLocked(sp);
                return sp.addr;
            }
            release = releaseKeptLocked();
            keptEmpty = sp;
        }
        insertLocked(sp, b, bytes, units);
        return release;
    }

    /**
     * Gives up the kept empty page, if any (kmem_cache_shrink, or another page emptied).
     *
     * @return the page for the page allocator, or 0
     */
    long releaseKeptLocked() {
        SlobPage sp = keptEmpty;
        if (sp == null) {
            return 0;
        }
        keptEmpty = null;
        assert sp.units == slob.pageUnits;
        if (sp.list != NO_LIST) {
            removeFromList(sp);
        }
        releaseLocked(sp);
        return sp.addr;
    }

    /** The list work of slob_free: the block goes back in address order, merged with its neighbours. */
    private void insertLocked(SlobPage sp, long b, int bytes, int units) {
        if (sp.list == NO_LIST) {
            // A full page gets its first free block: the block is the whole free list.
            sp.units = units;
            sp.freelist = b;
            slob.set(b, units, sp.addr + (long) slob.pageUnits * slob.unit);
            addToList(sp, listFor(bytes));
            return;
        }
        sp.units += units;
        long end = b + (long) units * slob.unit;
        if (b < sp.freelist) {
            if (end == sp.freelist) {
                units += slob.units(sp.freelist);
                sp.freelist = slob.next(sp.freelist);
            }
            slob.set(b, units, sp.freelist);
            sp.freelist = b;
            return;
        }
        long prev = sp.freelist;
        long next = slob.next(prev);
        while (b > next) {
            prev = next;
            next = slob.next(prev);
        }
        if (!slob.last(prev) && end == next) {
            units += slob.units(next);
            slob.set(b, units, slob.next(next));
        } else {
            slob.set(b, units, next);
        }
        if (prev + (long) slob.units(prev) * slob.unit == b) {
            slob.set(prev, slob.units(b) + slob.units(prev), slob.next(b));
        } else {
            slob.set(prev, slob.units(prev), b);
        }
    }

    /** Forgets a heap page that goes back to the page allocator; its descriptor is kept for reuse. */
    private void releaseLocked(SlobPage sp) {
        pages.setOwner(sp.addr, 0, null);
        Arrays.fill(sp.owner, (char) 0);
        SlobPage last = heapPages.remove(heapPages.size() - 1);
        if (last != sp) {
            heapPages.set(sp.index, last);
            last.index = sp.index;
        }
        sp.index = -1;
        spare.push(sp);
    }

    /** set_slob_page_free(): list_add at the head. */
    private void addToList(SlobPage sp, int list) {
        SlobPage head = lists[list];
        sp.prev = head;
        sp.next = head.next;
        head.next.prev = sp;
        head.next = sp;
        sp.list = list;
    }

    /** clear_slob_page_free(). */
    private void removeFromList(SlobPage sp) {
        sp.prev.next = sp.next;
        sp.next.prev = sp.prev;
        sp.prev = null;
        sp.next = null;
        sp.list = NO_LIST;
    }

    /** list_rotate_to_front(): the head moves to just before {@code sp}; the cyclic order is kept. */
    private static void rotateToFront(SlobPage head, SlobPage sp) {
        head.prev.next = head.next;
        head.next.prev = head.prev;
        head.prev = sp.prev;
        head.next = sp;
        sp.prev.next = head;
        sp.prev = head;
    }

    /** @return the pages of {@code list} from its head, for tests */
    List<SlobPage> listPages(int list) {
        List<SlobPage> out = new ArrayList<>();
        SlobPage head = lists[list];
        for (SlobPage sp = head.next; sp != head; sp = sp.next) {
            out.add(sp);
        }
        return out;
    }
}
