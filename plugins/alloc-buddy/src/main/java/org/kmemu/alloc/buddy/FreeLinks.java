package org.kmemu.alloc.buddy;

import org.kmemu.api.FreePageWords;

/**
 * The {@code struct list_head} of a free page ({@code page->buddy_list} / {@code page->pcp_list}) of one
 * zone, kept in the page's own struct page word that the machine lends ({@link FreePageWords}), as the
 * kernel keeps it in struct page: a free page costs the allocator no per-frame storage of its own.
 *
 * <pre>
 *  63                              32 31                               0
 * +----------------------------------+----------------------------------+
 * |          next + 1                |           prev + 1               |
 * +----------------------------------+----------------------------------+
 * </pre>
 * {@code next} and {@code prev} are zone-relative pfns (0 to 2^31 - 9, {@link BuddyZone#MAX_ZONE_PAGES})
 * stored plus one, so that a page on a list never has the word 0 and a page off every list has exactly
 * 0, which is what the machine expects of a page the allocator hands out. Worked example: page 5 alone
 * on its list links to itself: {@code (5 + 1) << 32 | (5 + 1) = 0x0000_0006_0000_0006}.
 *
 * <p>Callers hold the lock of the list the page is on (the zone lock, or being the per-CPU list's CPU).
 */
final class FreeLinks {
    private static final long LOW = 0xffff_ffffL;

    private final FreePageWords words;
    /** The zone's first pfn: zone-relative index i is frame {@code base + i}. */
    private final long base;

    /**
     * @param words the struct page words of the zone's frames
     * @param base  the zone's first pfn
     */
    FreeLinks(FreePageWords words, long base) {
        this.words = words;
        this.base = base;
    }

    /** @return the word of page {@code i}, both links */
    long word(int i) {
        return words.get(base + i);
    }

    /** @return the next link of a word */
    static int next(long word) {
        return (int) (word >>> 32) - 1;
    }

    /** @return the prev link of a word */
    static int prev(long word) {
        return (int) word - 1;
    }

    /** @return the next page on the list of page {@code i} */
    int next(int i) {
        return (int) (words.get(base + i) >>> 32) - 1;
    }

    /** @return the previous page on the list of page {@code i} */
    int prev(int i) {
        return (int) words.get(base + i) - 1;
    }

    /** Sets both links of page {@code i}. */
    void set(int i, int next, int prev) {
        words.set(base + i, (long) (next + 1) << 32 | ((prev + 1) & LOW));
    }

    /** Sets the next link of page {@code i}, keeping its prev. */
    void setNext(int i, int next) {
        long w = words.get(base + i);
        words.set(base + i, (long) (next + 1) << 32 | (w & LOW));
    }

    /** Sets the prev link of page {@code i}, keeping its next. */
    void setPrev(int i, int prev) {
        long w = words.get(base + i);
        words.set(base + i, (w & ~LOW) | ((prev + 1) & LOW));
    }

    /** {@code list_del}'s end: page {@code i} is on no list; its word is 0 again. */
    void clear(int i) {
        words.set(base + i, 0L);
    }

    /** @return whether page {@code i} is linked on some list (its word is not 0) */
    boolean linked(int i) {
        return words.get(base + i) != 0L;
    }
}
