package com.example.kmemu.tlsf;

/**
 * How /proc/buddyinfo reads a TLSF zone. buddyinfo counts {@code free_area[order].nr_free}, free
 * blocks per order; TLSF has free ranges of any length and no orders. Each range is reported as the
 * naturally aligned power-of-two blocks it can be cut into, largest first, capped at MAX_PAGE_ORDER:
 * <pre>
 *   free range pfn 0x103 .. 0x10c (10 pages):  0x103 (order 0), 0x104-0x107 (order 2),
 *                                              0x108-0x10b (order 2), 0x10c (order 0)
 * </pre>
 * These are exactly the blocks a fully merged buddy allocator would hold for the same free pages, so
 * the two policies' buddyinfo lines compare directly, and column N counts (distinct) order-N
 * requests that could succeed now. It is a view: TLSF keeps one range, not four blocks.
 */
final class AlignedBlocks {
    private AlignedBlocks() {
    }

    /**
     * @param pfn      the range's first pfn
     * @param pages    its length
     * @param maxOrder the largest order counted
     * @param perOrder counts by order, added to
     */
    static void count(long pfn, long pages, int maxOrder, long[] perOrder) {
        long end = pfn + pages;
        while (pfn < end) {
            int order = Math.min(maxOrder, Long.numberOfTrailingZeros(pfn));
            while (pfn + (1L << order) > end) {
                order--;
            }
            perOrder[order]++;
            pfn += 1L << order;
        }
    }
}
