package com.example.kmemu.tlsf;

import org.kmemu.api.FreePageWords;

/**
 * Where a free range keeps its length and its list links: one 64-bit word per page, on the range's
 * own pages, as the kernel threads its free lists through the free pages' struct page. The machine
 * lends these words ({@link FreePageWords}); a machine that lends none gets an array of the zone's own
 * (8 bytes per frame). Indices are zone-relative page numbers.
 *
 * <h2>Layout of a free range [h, h + len)</h2>
 * <pre>
 *   page      h                         h + 1              ...      h + len - 1
 *   word   | next + 1 (32) | prev + 1 (32) |   len (len >= 2)   |  0  ...  0  |   len (len >= 2)
 *           links of the range's size class   length, read from     interior     length, read from
 *           list, 0 = none                     the head              is 0         the tail (boundary tag)
 * </pre>
 * A one-page range has its links only (its tag says its length). A two-page range's second page is
 * its tail, and the one word serves both. Every other word of a free range is 0, so a block carved
 * out of a range leaves with 0 in every word once the allocator clears the range's three boundary
 * words, which {@link FreePageWords} requires.
 *
 * <p>Not thread-safe: the zone lock orders every access.
 */
final class RangeWords {
    /** A list link meaning "no range". */
    static final int NIL = -1;

    private final long startPfn;
    private final FreePageWords lent;
    private final long[] own;

    /**
     * @param startPfn the zone's first pfn
     * @param spanned  the pages the zone spans
     * @param lent     the machine's words, or null to keep an array of our own
     */
    RangeWords(long startPfn, int spanned, FreePageWords lent) {
        this.startPfn = startPfn;
        this.lent = lent;
        this.own = lent == null ? new long[spanned] : null;
    }

    long get(int i) {
        return own != null ? own[i] : lent.get(startPfn + i);
    }

    void set(int i, long word) {
        if (own != null) {
            own[i] = word;
        } else {
            lent.set(startPfn + i, word);
        }
    }

    /** @return the next range in the head page {@code h}'s list, or {@link #NIL} */
    int next(int h) {
        return (int) (get(h) >>> 32) - 1;
    }

    /** @return the previous range in the head page {@code h}'s list, or {@link #NIL} */
    int prev(int h) {
        return (int) get(h) - 1;
    }

    void setLinks(int h, int next, int prev) {
        set(h, ((long) (next + 1) << 32) | ((prev + 1) & 0xffff_ffffL));
    }

    void setNext(int h, int next) {
        setLinks(h, next, prev(h));
    }

    void setPrev(int h, int prev) {
        setLinks(h, next(h), prev);
    }

    /** @return the bytes of the words this zone keeps itself (0 when they are lent) */
    long ownBytes() {
        return own == null ? 0 : (long) own.length * Long.BYTES;
    }
}
