package org.kmemu.alloc.buddy;

import org.kmemu.api.FreePageWords;

/**
 * The allocator's own words for one zone, used when the machine lends none
 * ({@link org.kmemu.api.PageAllocatorContext#freePageWords()} returns null): one {@code long} per frame
 * of the zone's span, 8 bytes per frame that a machine lending its struct page words saves.
 */
final class ZoneWords implements FreePageWords {
    private final long startPfn;
    private final long[] words;

    /**
     * @param startPfn the zone's first pfn
     * @param spanned  the frames it spans
     */
    ZoneWords(long startPfn, int spanned) {
        this.startPfn = startPfn;
        this.words = new long[spanned];
    }

    @Override
    public long get(long pfn) {
        return words[(int) (pfn - startPfn)];
    }

    @Override
    public void set(long pfn, long word) {
        words[(int) (pfn - startPfn)] = word;
    }

    /** @return the bytes of the words */
    long bytes() {
        return (long) words.length * Long.BYTES;
    }
}
