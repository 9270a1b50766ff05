package org.kmemu.alloc.buddy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocatorEvents;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;

/**
 * One zone's free areas: {@code struct zone}'s {@code free_area[order].free_list[migratetype]}, its
 * pageblock migrate types and NR_FREE_PAGES (include/linux/mmzone.h, mm/page_alloc.c).
 *
 * <h2>Algorithm</h2>
 * Binary buddy. A free block of order k starts at a pfn aligned to 2^k (absolute pfn, as in Linux,
 * not zone-relative). Its buddy is {@code pfn ^ (1 << k)} ({@code __find_buddy_pfn}, mm/internal.h);
 * e.g. the order-2 block at pfn 0x1234 (0b1_0010_0011_0100) has its buddy at 0x1230 and together they
 * form the order-3 block at {@code 0x1234 & 0x1230 = 0x1230}. Freeing merges while the buddy is a free
 * head of the same order inside the zone ({@link #freeOneLocked}); allocating takes the smallest
 * block that fits and puts the upper halves back ({@link #delAndExpandLocked}, {@code expand()}).
 *
 * <h2>Per-page state (struct of arrays, indexed by zone-relative pfn)</h2>
 * {@code state[]} (1 byte, {@link PageState}) says what a page is; {@code blockMt[]} holds one byte per
 * pageblock. Total: 1 byte per page plus 1 per pageblock. The links that put free heads on their
 * free list ({@link PageList}) and order-0 pages on a per-CPU list ({@link PcpList}) live in the free
 * pages' own struct page words ({@link FreeLinks}), which the machine lends ({@link FreePageWords}) as
 * the kernel keeps {@code page->buddy_list} in struct page; a machine that lends none costs 8 more
 * bytes per page ({@link ZoneWords}). Indices are {@code int}, so a zone spans fewer than 2^31 pages
 * ({@link #MAX_ZONE_PAGES}).
 *
 * <h2>Invariants (asserted where cheap)</h2>
 * <ul>
 * <li>A FREE head of order k is on exactly one list, free_list[blockMt of its first pageblock] of
 *     order k, and a block of order &ge; pageblock_order has one migrate type over all its pageblocks
 *     (the 6.10+ rule that a free page sits on its pageblock's list).</li>
 * <li>No two free heads are buddies of each other at the same order (they would have merged).</li>
 * <li>{@code freePages} is the sum of 2^order over FREE heads.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * Every method named {@code *Locked} runs under {@code synchronized (lock)}: the zone->lock. The lock
 * is taken after a CPU's own per-CPU list state and never together with another zone's lock.
 * {@link #freePages} and {@link #belowHigh} are read without the lock, as zone_page_state() and
 * test_bit(ZONE_BELOW_HIGH) are.
 */
final class BuddyZone {
    /** Zone-relative pfns are int array indices: a zone spans fewer than 2^31 pages (8 TiB of 4 KiB pages). */
    static final long MAX_ZONE_PAGES = Integer.MAX_VALUE - 8;
    /** MIGRATE_TYPES: one free list per MigrateType. */
    static final int NR_MT = MigrateType.values().length;

    private static final VarHandle FREE_PAGES;

    static {
        try {
            FREE_PAGES = MethodHandles.lookup().findVarHandle(BuddyZone.class, "freePages", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ZoneSpan span;
    final ZoneType type;
    final int typeIndex;
    final long startPfn;
    final int spanned;
    final int maxOrder;
    final int pageblockOrder;
    /** startPfn modulo the pageblock size: pageblocks are aligned on absolute pfns. */
    private final int pageblockOffset;

    /** The list links of the zone's free pages, in their struct page words. */
    final FreeLinks links;
    /** The zone's own words when the machine lends none, else null. */
    private final ZoneWords ownWords;
    final byte[] state;
    final byte[] blockMt;
    /** free_area[order].free_list[mt] heads, indexed {@code order * NR_MT + mt}. */
    final int[] freeHead;
    /** Blocks on each free list, same index. */
    final long[] nrFree;

    /** NR_FREE_PAGES: pages in the free areas (not on per-CPU lists). Written under the lock. */
    private volatile long freePages;
    /** Pages handed over by freeBootMemory (zone_managed_pages as boot built it). */
    long bootPages;

    /** _watermark[WMARK_MIN..WMARK_PROMO], set once before the first allocation. */
    final long[] watermark = new long[AllocFlags.NR_WMARK];
    /** lowmem_reserve[] indexed by ZoneType ordinal. */
    final long[] lowmemReserve = new long[ZoneType.values().length];
    /** ZONE_BELOW_HIGH: free pages fell below the high watermark; per-CPU lists shrink. */
    volatile boolean belowHigh;

    /** zone->lock. */
    final Object lock = new Object();

    /** Where {@link Fallback} reports {@code mm_page_alloc_extfrag}: the host's sink. */
    final PageAllocatorEvents events;

    /**
     * @param words  the machine's struct page words for free pages, or null to keep the zone's own
     * @param events the host's event sink ({@link PageAllocatorEvents#NONE} for none)
     */
    BuddyZone(ZoneSpan span, int maxOrder, int pageblockOrder, FreePageWords words, PageAllocatorEvents events) {
        if (span.spannedPages() > MAX_ZONE_PAGES) {
            throw new IllegalArgumentException("spannedPages: " + span.spannedPages() + " of zone "
                    + span.type().kernelName() + " (expected: at most " + MAX_ZONE_PAGES + ")");
        }
        this.span = span;
        this.type = span.type();
        this.typeIndex = type.ordinal();
        this.startPfn = span.startPfn();
        this.spanned = (int) span.spannedPages();
        this.maxOrder = maxOrder;
        this.pageblockOrder = pageblockOrder;
        this.events = events;
        this.pageblockOffset = (int) (startPfn & ((1L << pageblockOrder) - 1));
        this.ownWords = words == null ? new ZoneWords(startPfn, spanned) : null;
        this.links = new FreeLinks(words == null ? ownWords : words, startPfn);
        this.state = new byte[spanned];
        int blocks = (int) (((long) pageblockOffset + spanned + (1L << pageblockOrder) - 1) >>> pageblockOrder);
        this.blockMt = new byte[blocks];
        // memmap_init_range() (mm/mm_init.c) marks every pageblock MIGRATE_MOVABLE before boot frees RAM.
        java.util.Arrays.fill(blockMt, (byte) MigrateType.MOVABLE.ordinal());
        this.freeHead = new int[(maxOrder + 1) * NR_MT];
        java.util.Arrays.fill(freeHead, PageList.NIL);
        this.nrFree = new long[(maxOrder + 1) * NR_MT];
    }

    /** @return the heap bytes of the zone's per-page and per-pageblock arrays (and its own words, if any) */
    long metadataBytes() {
        return state.length + (long) blockMt.length + (ownWords == null ? 0 : ownWords.bytes());
    }

    long freePages() {
        return freePages;
    }

    private void accountFreePagesLocked(long delta) {
        FREE_PAGES.setRelease(this, freePages + delta);
    }

    /** @return the zone-relative index of an absolute pfn, or -1 outside the span */
    int indexOf(long pfn) {
        long i = pfn - startPfn;
        return i >= 0 && i < spanned ? (int) i : -1;
    }

    int pageblockIndex(int i) {
        return (i + pageblockOffset) >>> pageblockOrder;
    }

    int pageblockMigratetype(int i) {
        return blockMt[pageblockIndex(i)];
    }

    /** {@code change_pageblock_range}: sets every pageblock under a block of this order. */
    void setPageblockRange(int i, int order, int mt) {
        int first = pageblockIndex(i);
        int last = order > pageblockOrder ? pageblockIndex(i + (1 << order) - 1) : first;
        for (int b = first; b <= last; b++) {
            blockMt[b] = (byte) mt;
        }
    }

    // ---- free lists ------------------------------------------------------------------------------

    /** {@code __add_to_free_list}: a new FREE head of this order on list mt. */
    void addToFreeListLocked(int i, int order, int mt, boolean toTail) {
        int slot = order * NR_MT + mt;
        if (toTail) {
            PageList.addTail(links, freeHead, slot, i);
        } else {
            PageList.addHead(links, freeHead, slot, i);
        }
        nrFree[slot]++;
        state[i] = PageState.free(order);
    }

    /** {@code __del_page_from_free_list}: the head stops being free (its state is the caller's to set). */
    void delFromFreeListLocked(int i, int order, int mt) {
        assert PageState.isFreeHead(state[i], order) : "pfn " + (startPfn + i) + " not free at order " + order;
        int slot = order * NR_MT + mt;
        PageList.remove(links, freeHead, slot, i);
        nrFree[slot]--;
        state[i] = PageState.NONE;
    }

    /** {@code move_to_free_list}: moves a free head to the tail of another type's list. */
    void moveToFreeListLocked(int i, int order, int fromMt, int toMt) {
        delFromFreeListLocked(i, order, fromMt);
        addToFreeListLocked(i, order, toMt, true);
    }

    /**
     * {@code page_del_and_expand()}: takes the free block at {@code i} of order {@code high} off list mt,
     * keeps its lowest 2^low pages and puts each upper half back as a free block of decreasing order
     * (order-0 from order-3 at P: P+4 order 2, P+2 order 1, P+1 order 0).
     */
    void delAndExpandLocked(int i, int low, int high, int mt) {
        delFromFreeListLocked(i, high, mt);
        expandLocked(i, low, high, mt);
    }

    /** {@code expand()} and its accounting, for a block already off its list. */
    void expandLocked(int i, int low, int high, int mt) {
        int size = 1 << high;
        while (high > low) {
            high--;
            size >>>= 1;
            addToFreeListLocked(i + size, high, mt, false);
        }
        accountFreePagesLocked(-(1L << low));
    }

    /** {@code __rmqueue_smallest()}: the first block of the smallest order &ge; order on list mt, split. */
    int rmqueueSmallestLocked(int order, int mt) {
        for (int o = order; o <= maxOrder; o++) {
            int head = freeHead[o * NR_MT + mt];
            if (head != PageList.NIL) {
                delAndExpandLocked(head, order, o, mt);
                return head;
            }
        }
        return PageList.NIL;
    }

    /**
     * {@code __free_one_page()}: frees the block at {@code i} of this order, merging with its buddy while
     * the buddy is a free head of the same order inside the span, then lists the result on mt. Blocks
     * of order &ge; pageblock_order merge across pageblocks only if both types are mergeable (below
     * MIGRATE_PCPTYPES), and the buddy's pageblocks take the freed block's type (6.10+).
     *
     * @param toTail FPI_TO_TAIL (boot frees); otherwise the buddy_merge_likely() heuristic decides
     */
    void freeOneLocked(int i, int order, int mt, boolean toTail) {
        state[i] = PageState.NONE;
        accountFreePagesLocked(1L << order);
        long pfn = startPfn + i;
        long buddyPfn = pfn;
        while (order < maxOrder) {
            buddyPfn = pfn ^ (1L << order);
            int b = indexOf(buddyPfn);
            if (b < 0 || !PageState.isFreeHead(state[b], order)) {
                break;
            }
            int buddyMt = pageblockMigratetype(b);
            if (order >= pageblockOrder && buddyMt != mt
                    && (mt >= MigrateType.PCPTYPES || buddyMt >= MigrateType.PCPTYPES)) {
                break;
            }
            delFromFreeListLocked(b, order, buddyMt);
            if (buddyMt != mt) {
                setPageblockRange(b, order, mt);
            }
            pfn &= buddyPfn;
            order++;
        }
        int head = (int) (pfn - startPfn);
        boolean tail = toTail || buddyMergeLikely(pfn, buddyPfn, order);
        addToFreeListLocked(head, order, mt, tail);
    }

    /**
     * {@code buddy_merge_likely()}: if the block's parent has a free buddy one order up, the block is
     * likely to merge soon, so it goes to the list tail where allocations reach it last.
     */
    private boolean buddyMergeLikely(long pfn, long buddyPfn, int order) {
        if (order >= maxOrder - 1) {
            return false;
        }
        long higher = buddyPfn & pfn;
        int hb = indexOf(higher ^ (1L << (order + 1)));
        return hb >= 0 && PageState.isFreeHead(state[hb], order + 1);
    }

    /**
     * {@code split_large_buddy()} + {@code free_one_page()} (6.10+): a block larger than a pageblock
     * is freed one pageblock at a time, each on its own pageblock's list, then merges as usual.
     */
    void freeLocked(int i, int order, boolean toTail) {
        if (order <= pageblockOrder) {
            freeOneLocked(i, order, pageblockMigratetype(i), toTail);
            return;
        }
        int end = i + (1 << order);
        int step = 1 << pageblockOrder;
        for (int j = i; j < end; j += step) {
            freeOneLocked(j, pageblockOrder, pageblockMigratetype(j), toTail);
        }
    }

    /**
     * {@code __zone_watermark_ok()}'s order check: whether some free list of order &ge; {@code order}
     * can serve the request (any MIGRATE_PCPTYPES list, or HIGHATOMIC for atomic/OOM callers).
     */
    boolean hasFreeBlockAtOrAbove(int order, boolean highatomic) {
        for (int o = order; o <= maxOrder; o++) {
            int base = o * NR_MT;
            for (int mt = 0; mt < MigrateType.PCPTYPES; mt++) {
                if (freeHead[base + mt] != PageList.NIL) {
                    return true;
                }
            }
            if (highatomic && freeHead[base + MigrateType.HIGHATOMIC.ordinal()] != PageList.NIL) {
                return true;
            }
        }
        return false;
    }
}
