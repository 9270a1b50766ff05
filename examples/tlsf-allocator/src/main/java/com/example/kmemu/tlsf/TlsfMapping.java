package com.example.kmemu.tlsf;

/**
 * TLSF's two-level size classes (Masmano, Ripoll, Crespo and Real, "TLSF: a New Dynamic Memory
 * Allocator for Real-Time Systems", ECRTS 2004, section 4), for free ranges measured in pages.
 *
 * <h2>The mapping</h2>
 * A range of {@code n} pages belongs to first level {@code f = floor(log2 n)}, the power of two below
 * it, and to second level {@code s}, which splits {@code [2^f, 2^(f+1))} into {@code 2^SLI} lists of
 * equal width {@code 2^(f-SLI)}:
 * <pre>
 *   f = fls(n) - 1                      n = 200 pages, SLI = 4:  f = 7 (128 <= 200 < 256)
 *   s = (n >> (f - SLI)) - 2^SLI                                  s = (200 >> 3) - 16 = 9
 *                                       list (7, 9) holds sizes [128 + 9*8, 128 + 10*8) = [200, 208)
 * </pre>
 * Below {@code 2^SLI} pages a power-of-two interval has fewer sizes than lists, so every size gets a
 * list of its own ({@code s = (n - 2^f) << (SLI - f)}); the lists between stay empty.
 *
 * <h2>Insert and search</h2>
 * {@link #insertClass} is the paper's {@code mapping_insert}: the class a free range of exactly n pages
 * is filed under. {@link #searchClass} is {@code mapping_search}: n is first rounded up to the next
 * class boundary, so that every range in the class found, and in any class above it, has at least n
 * pages. The search then never has to look inside a list: it takes the list's head. That is "good
 * fit", not best fit: a big-enough range filed in n's own class is passed over (the rounding costs at
 * most one class width, 1/2^SLI of n: 6% for SLI = 4), and the range taken may be bigger than a better
 * one further down its list; in exchange the search is O(1), whatever the number of free ranges.
 *
 * <p>A class is packed in one int, {@code f * 2^SLI + s}, the index of its list head. Pure functions;
 * thread-safe.
 */
final class TlsfMapping {
    /** First-level classes: a zone has fewer than 2^31 pages, and the rounded-up search reaches f = 31. */
    static final int FL_COUNT = 32;
    /** Returned by {@link #searchClass} for a size no class can hold. */
    static final int NONE = -1;

    /** SLI: log2 of the second-level lists per first level. */
    final int sli;
    /** 2^SLI. */
    final int slCount;

    /**
     * @param sli log2 of the lists per power of two, 1 to 5 (a second-level bitmap is one int)
     */
    TlsfMapping(int sli) {
        if (sli < 1 || sli > 5) {
            throw new IllegalArgumentException("sli: " + sli + " (expected: 1 to 5)");
        }
        this.sli = sli;
        this.slCount = 1 << sli;
    }

    /** @return how many list heads a zone needs: one per (first, second) level pair */
    int classes() {
        return FL_COUNT * slCount;
    }

    /**
     * {@code mapping_insert}: the class a free range of exactly {@code pages} pages is filed under.
     *
     * @param pages 1 to 2^32 - 1 (a range has fewer than 2^31 pages; a rounded-up search size may pass that)
     * @return the class, {@code fl * 2^SLI + sl}
     */
    int insertClass(long pages) {
        assert pages >= 1 && pages < 1L << 32 : pages;
        int fl = 63 - Long.numberOfLeadingZeros(pages);
        int sl = fl < sli ? (int) (pages - (1L << fl)) << (sli - fl) : (int) (pages >>> (fl - sli)) - slCount;
        return fl * slCount + sl;
    }

    /**
     * {@code mapping_search}: the lowest class whose every range has at least {@code pages} pages.
     *
     * @param pages 1 to 2^31 - 1
     * @return the class, {@code fl * 2^SLI + sl}
     */
    int searchClass(long pages) {
        int fl = 63 - Long.numberOfLeadingZeros(pages);
        if (fl >= sli) {
            // Round up to the next class boundary: ranges of the same class but fewer pages are skipped.
            pages += (1L << (fl - sli)) - 1;
        }
        return insertClass(pages);
    }

    /**
     * @param cls a class
     * @return its first level, floor(log2) of its smallest size
     */
    int fl(int cls) {
        return cls >>> sli;
    }

    /**
     * @param cls a class
     * @return its second level
     */
    int sl(int cls) {
        return cls & (slCount - 1);
    }

    /**
     * @param cls a class that {@link #insertClass} can return
     * @return the smallest number of pages a range filed under it has
     */
    long minPages(int cls) {
        int fl = fl(cls);
        int sl = sl(cls);
        return fl < sli ? (1L << fl) + (sl >>> (sli - fl)) : (1L << fl) + ((long) sl << (fl - sli));
    }
}
