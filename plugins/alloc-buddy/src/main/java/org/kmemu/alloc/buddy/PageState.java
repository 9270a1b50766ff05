package org.kmemu.alloc.buddy;

/**
 * The one byte of buddy state kept per page frame, in {@code BuddyZone.state[]}: the emulator's
 * stand-in for PageBuddy + {@code buddy_order()} (page_private) of a free head, and for the order and
 * mobility of an allocated head (mm/internal.h, mm/page_alloc.c).
 *
 * <pre>
 *   7   6   5   4   3   2   1   0
 * +-------+-------+---------------+
 * |  mt   | kind  |     order     |
 * +-------+-------+---------------+
 *  mt    : migrate type the block was allocated with (ALLOCATED only; 0..2 = MIGRATE_PCPTYPES)
 *  kind  : 0 NONE (tail of a block, hole, not given to the allocator)
 *          1 FREE head, on free_area[order].free_list[pageblock migratetype]
 *          2 ALLOCATED head, handed out by allocPages with this order
 *          3 PCP: an order-0 page parked on a per-CPU list
 *  order : the block's order, 0..15
 * </pre>
 *
 * Only heads carry a kind; every other page of a block is NONE, so a free walks no tail pages and
 * boot writes one byte per block, not per page.
 */
final class PageState {
    private PageState() {
    }

    static final int ORDER_BITS = 4;
    static final int ORDER_MASK = (1 << ORDER_BITS) - 1;
    /** The largest order the byte can hold. */
    static final int MAX_ENCODABLE_ORDER = ORDER_MASK;

    static final int KIND_SHIFT = 4;
    static final int KIND_MASK = 3 << KIND_SHIFT;
    static final int NONE = 0;
    static final int FREE = 1 << KIND_SHIFT;
    static final int ALLOCATED = 2 << KIND_SHIFT;
    static final int PCP = 3 << KIND_SHIFT;

    static final int MT_SHIFT = 6;
    static final int MT_MASK = 3 << MT_SHIFT;

    /** The kind and order bits, without the migrate type: what a free compares against. */
    static final int KIND_ORDER_MASK = KIND_MASK | ORDER_MASK;

    static byte free(int order) {
        assert order >= 0 && order <= MAX_ENCODABLE_ORDER : order;
        return (byte) (FREE | order);
    }

    static byte allocated(int order, int migratetype) {
        assert order >= 0 && order <= MAX_ENCODABLE_ORDER : order;
        assert migratetype >= 0 && migratetype < 3 : migratetype;
        return (byte) (ALLOCATED | order | (migratetype << MT_SHIFT));
    }

    static byte pcp() {
        return (byte) PCP;
    }

    static int kind(int state) {
        return state & KIND_MASK;
    }

    static int order(int state) {
        return state & ORDER_MASK;
    }

    static int migratetype(int state) {
        return (state & MT_MASK) >>> MT_SHIFT;
    }

    /** @return whether the byte says "free head of exactly this order" (PageBuddy + buddy_order) */
    static boolean isFreeHead(int state, int order) {
        return (state & KIND_ORDER_MASK) == (FREE | order);
    }

    /** @return whether the byte says "allocated head of exactly this order" */
    static boolean isAllocatedHead(int state, int order) {
        return (state & KIND_ORDER_MASK) == (ALLOCATED | order);
    }
}
