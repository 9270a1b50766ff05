package com.example.kmemu.tlsf;

/**
 * The allocator's one byte per page frame: TLSF's boundary tags, and the head mark of each block it
 * handed out. The paper keeps a header in every block, free or used, with its size and a pointer to
 * the physical predecessor; a page allocator cannot write into the pages it hands out, so the
 * "header" of a free range lives in two places: the range's first and last page carry a tag here,
 * and the range's length and list links live in the struct page words the machine lends for free
 * pages ({@link RangeWords}).
 *
 * <pre>
 *   bit   7   6   5   4   3   2   1   0
 *       +-------+-------------------------+
 *       | kind  |   kind-specific         |
 *       +-------+-------------------------+
 *   kind 00  NONE: a page with no tag: inside a free range, a tail page of an allocated block, or a
 *            page the allocator was never given (reserved at boot, a hole)
 *   kind 01  FREE boundary: bit 0 = first page of a free range (HEAD), bit 1 = last page (TAIL);
 *            a one-page range has both
 *   kind 10  ALLOCATED head: bits 0-4 = the order it was handed out with
 * </pre>
 *
 * Only boundaries are tagged, so allocation, free and coalescing write O(1) tags, whatever the size.
 * Coalescing reads the tag of the page just below a freed block (a TAIL means a free neighbour ends
 * there) and of the page just past it (a HEAD means one starts there): the paper's physical-neighbour
 * check, without a prev_phys pointer.
 */
final class PageTag {
    private PageTag() {
    }

    static final byte NONE = 0;
    private static final int KIND_MASK = 0xc0;
    private static final int KIND_FREE = 0x40;
    private static final int KIND_ALLOCATED = 0x80;
    private static final int HEAD_BIT = 0x01;
    private static final int TAIL_BIT = 0x02;
    private static final int ORDER_MASK = 0x1f;

    /** The tag of the first page of a free range of two or more pages. */
    static final byte FREE_HEAD = (byte) (KIND_FREE | HEAD_BIT);
    /** The tag of the last page of a free range of two or more pages. */
    static final byte FREE_TAIL = (byte) (KIND_FREE | TAIL_BIT);
    /** The tag of a free range of one page: its head and its tail. */
    static final byte FREE_SINGLE = (byte) (KIND_FREE | HEAD_BIT | TAIL_BIT);

    /**
     * @param order the order a block was handed out with, 0 to 31
     * @return the tag of its first page
     */
    static byte allocated(int order) {
        assert order >= 0 && order <= ORDER_MASK : order;
        return (byte) (KIND_ALLOCATED | order);
    }

    /** @return whether the tag marks the first page of a free range */
    static boolean isFreeHead(byte tag) {
        return (tag & (KIND_MASK | HEAD_BIT)) == (KIND_FREE | HEAD_BIT);
    }

    /** @return whether the tag marks the last page of a free range */
    static boolean isFreeTail(byte tag) {
        return (tag & (KIND_MASK | TAIL_BIT)) == (KIND_FREE | TAIL_BIT);
    }

    /** @return whether the tag marks a boundary page of a free range */
    static boolean isFree(byte tag) {
        return (tag & KIND_MASK) == KIND_FREE;
    }

    /** @return whether the tag marks the first page of an allocated block */
    static boolean isAllocated(byte tag) {
        return (tag & KIND_MASK) == KIND_ALLOCATED;
    }

    /**
     * @param tag an {@link #isAllocated} tag
     * @return the block's order
     */
    static int order(byte tag) {
        return tag & ORDER_MASK;
    }

    /**
     * @param tag   any tag
     * @param order an order
     * @return whether the tag marks the first page of a block allocated with exactly that order
     */
    static boolean isAllocatedHead(byte tag, int order) {
        return tag == allocated(order);
    }
}
