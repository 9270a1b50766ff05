package com.example.kmemu.tlsf;

import java.util.Arrays;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;

/**
 * One zone's free memory under Two-Level Segregated Fit (Masmano et al., ECRTS 2004): free ranges of
 * any length, filed by size class ({@link TlsfMapping}) in doubly linked lists, found in O(1) with two
 * levels of bitmaps, and merged with their physical neighbours the moment a block is freed.
 *
 * <h2>Data</h2>
 * <ul>
 * <li>{@code heads[fl * 2^SLI + sl]}: the first range of each size class, or NIL.</li>
 * <li>{@code flBitmap}: bit fl set iff some list of first level fl is non-empty;
 *     {@code slBitmap[fl]}: bit sl set iff list (fl, sl) is non-empty. Finding a non-empty list at or
 *     above a class is two find-first-set instructions ({@link Integer#numberOfTrailingZeros}), the
 *     paper's O(1) search, whatever the number of free ranges.</li>
 * <li>{@link PageTag} boundary tags per page and {@link RangeWords} (length, links) on the free
 *     ranges' own pages.</li>
 * </ul>
 *
 * <h2>Invariants (checked by the tests)</h2>
 * Free ranges never touch: two adjacent ones would have been merged. A range's first and last page are
 * tagged, no other page of it is. A bit is set iff its list is non-empty. {@link #freePages} is the sum
 * of the ranges' lengths. Only a range's head, second and last page have a non-zero word.
 *
 * <h2>Aligned blocks</h2>
 * TLSF hands out blocks of any size at any address; {@code alloc_pages(order)} wants {@code 2^order}
 * pages at a pfn that is a multiple of {@code 2^order}. A range of {@code 2^(order+1) - 1} pages or
 * more always holds such a block (whatever its start, the next aligned pfn is at most
 * {@code 2^order - 1} pages in), so searching for that size keeps the search O(1). The price: the
 * search asks for almost twice the pages the request needs, so it passes over shorter ranges that
 * happen to hold an aligned block; and carving the block out of a range that starts unaligned leaves
 * a fragment in front of it, the pages before the aligned pfn (up to {@code 2^order - 1}), filed back
 * as a free range that only smaller requests can use (the pages after the block stay one range).
 * {@link #allocLocked} therefore first tries the good-fit list for {@code 2^order} itself, whose head
 * is often aligned already (a block freed without free neighbours is), and only when both O(1) tries
 * fail walks, in full, the 2^SLI or so lists whose ranges might still hold an aligned block: not
 * O(1), but a request then fails only when no free range anywhere holds one.
 *
 * <h2>Locking</h2>
 * Every method that ends in {@code Locked} runs under {@link #lock}; {@link #freePages()} is read
 * without it, as the kernel reads NR_FREE_PAGES.
 */
final class TlsfZone {
    final ZoneSpan span;
    final ZoneType type;
    final int typeIndex;
    final long startPfn;
    final int spanned;
    final Object lock = new Object();

    /** The per-page tags ({@link PageTag}), indexed by zone-relative page. */
    final byte[] tags;
    private final RangeWords words;
    private final TlsfMapping map;
    private final int[] heads;
    private int flBitmap;
    private final int[] slBitmap = new int[TlsfMapping.FL_COUNT];
    private int nrRanges;
    /** NR_FREE_PAGES: written under the lock, read without it. */
    private volatile long freePages;

    /** WMARK_MIN, LOW, HIGH, PROMO in pages ({@link Watermarks}). */
    final long[] watermark = new long[Watermarks.NR_WMARK];
    /** lowmem_reserve[] in pages, indexed by {@link ZoneType#ordinal()} of the allocation's highest zone. */
    final long[] lowmemReserve = new long[ZoneType.values().length];

    /** The largest zone: zone-relative pages are Java int indices. */
    static final long MAX_ZONE_PAGES = Integer.MAX_VALUE;

    TlsfZone(ZoneSpan span, TlsfMapping map, FreePageWords lent) {
        this.span = span;
        this.type = span.type();
        this.typeIndex = type.ordinal();
        this.startPfn = span.startPfn();
        this.spanned = Math.toIntExact(span.spannedPages());
        this.map = map;
        this.tags = new byte[spanned];
        this.words = new RangeWords(startPfn, spanned, lent);
        this.heads = new int[map.classes()];
        Arrays.fill(heads, RangeWords.NIL);
    }

    /** @return NR_FREE_PAGES */
    long freePages() {
        return freePages;
    }

    /** @return the number of free ranges */
    int nrRangesLocked() {
        return nrRanges;
    }

    /** @return the per-zone heap this zone keeps: tags, list heads and (when none are lent) words */
    long metadataBytes() {
        return tags.length + (long) heads.length * Integer.BYTES + words.ownBytes();
    }

    // ---------------------------------------------------------------- free

    /**
     * Gives pages {@code [i, i + n)} back, merging them with a free range that ends just below and one
     * that starts just above: at most two list removals and one insertion, whatever the sizes.
     *
     * @param i the first page, zone-relative; its tag must already be cleared
     * @param n how many pages
     */
    void freeLocked(int i, int n) {
        assert tags[i] == PageTag.NONE && tags[i + n - 1] == PageTag.NONE : "freeing a tagged page " + i;
        int head = i;
        int end = i + n;
        if (i > 0 && PageTag.isFreeTail(tags[i - 1])) {
            int left = headOfTail(i - 1);
            removeLocked(left, i - left);
            head = left;
        }
        if (end < spanned && PageTag.isFreeHead(tags[end])) {
            int right = rangeLength(end);
            removeLocked(end, right);
            end += right;
        }
        insertLocked(head, end - head);
        freePages += n;
    }

    // ---------------------------------------------------------------- allocate

    /**
     * Carves a naturally aligned block of {@code 2^order} pages out of a free range.
     *
     * @param order the block's order
     * @return the block's first page, zone-relative, tagged allocated; or {@link RangeWords#NIL}
     */
    int allocLocked(int order) {
        long size = 1L << order;
        // 1. Good fit for 2^order pages: the head of the smallest non-empty class that is big enough.
        int cls = findSuitable(map.searchClass(size));
        if (cls == TlsfMapping.NONE) {
            return RangeWords.NIL;
        }
        if (order == 0 || holdsAlignedBlock(heads[cls], order)) {
            return carveLocked(heads[cls], order);
        }
        // 2. Good fit for 2^(order+1) - 1 pages: any such range holds an aligned block.
        int sure = map.searchClass(2 * size - 1);
        cls = findSuitable(sure);
        if (cls != TlsfMapping.NONE) {
            return carveLocked(heads[cls], order);
        }
        // 3. No range that big is free: look at every range between 2^order and that size. Not O(1);
        //    taken only when the zone is fragmented for this order.
        for (int c = map.insertClass(size); c < sure; c++) {
            for (int h = heads[c]; h != RangeWords.NIL; h = words.next(h)) {
                if (holdsAlignedBlock(h, order)) {
                    return carveLocked(h, order);
                }
            }
        }
        return RangeWords.NIL;
    }

    /** {@code find_suitable_block}: the lowest non-empty class at or above cls, or NONE. */
    private int findSuitable(int cls) {
        int fl = map.fl(cls);
        int bits = slBitmap[fl] & (-1 << map.sl(cls));
        if (bits == 0) {
            int above = fl + 1 >= TlsfMapping.FL_COUNT ? 0 : flBitmap & (-1 << (fl + 1));
            if (above == 0) {
                return TlsfMapping.NONE;
            }
            fl = Integer.numberOfTrailingZeros(above);
            bits = slBitmap[fl];
            assert bits != 0 : "first-level bit " + fl + " set over an empty second-level bitmap";
        }
        return fl * map.slCount + Integer.numberOfTrailingZeros(bits);
    }

    /** @return whether the free range headed at h holds a 2^order block at a multiple of 2^order (absolute pfn) */
    private boolean holdsAlignedBlock(int h, int order) {
        long pfn = startPfn + h;
        long size = 1L << order;
        long aligned = (pfn + size - 1) & -size;
        return aligned + size <= pfn + rangeLength(h);
    }

    /**
     * Takes the range headed at h off its list, hands out the lowest aligned block in it and files the
     * pages before and after the block back as free ranges (they touch no other free range: h's range
     * did not).
     */
    private int carveLocked(int h, int order) {
        int len = rangeLength(h);
        long size = 1L << order;
        int block = (int) (((startPfn + h + size - 1) & -size) - startPfn);
        int end = h + len;
        assert block + size <= end;
        removeLocked(h, len);
        if (block > h) {
            insertLocked(h, block - h);
        }
        int after = (int) (block + size);
        if (after < end) {
            insertLocked(after, end - after);
        }
        tags[block] = PageTag.allocated(order);
        freePages -= size;
        return block;
    }

    // ---------------------------------------------------------------- ranges and lists

    /** @return the length of the free range whose first page is h */
    int rangeLength(int h) {
        return tags[h] == PageTag.FREE_SINGLE ? 1 : (int) words.get(h + 1);
    }

    /** @return the first page of the free range whose last page is t (the boundary tag's job) */
    int headOfTail(int t) {
        return tags[t] == PageTag.FREE_SINGLE ? t : t - (int) words.get(t) + 1;
    }

    /** Tags [h, h + len) as a free range and pushes it on its class's list. */
    private void insertLocked(int h, int len) {
        int t = h + len - 1;
        if (len == 1) {
            tags[h] = PageTag.FREE_SINGLE;
        } else {
            tags[h] = PageTag.FREE_HEAD;
            tags[t] = PageTag.FREE_TAIL;
            words.set(h + 1, len);
            words.set(t, len);
        }
        int cls = map.insertClass(len);
        int first = heads[cls];
        words.setLinks(h, first, RangeWords.NIL);
        if (first != RangeWords.NIL) {
            words.setPrev(first, h);
        }
        heads[cls] = h;
        flBitmap |= 1 << map.fl(cls);
        slBitmap[map.fl(cls)] |= 1 << map.sl(cls);
        nrRanges++;
    }

    /** Unlinks the free range [h, h + len) and clears its tags and words: its pages are plain pages again. */
    private void removeLocked(int h, int len) {
        int cls = map.insertClass(len);
        int next = words.next(h);
        int prev = words.prev(h);
        if (prev != RangeWords.NIL) {
            words.setNext(prev, next);
        } else {
            heads[cls] = next;
        }
        if (next != RangeWords.NIL) {
            words.setPrev(next, prev);
        }
        if (heads[cls] == RangeWords.NIL) {
            int fl = map.fl(cls);
            slBitmap[fl] &= ~(1 << map.sl(cls));
            if (slBitmap[fl] == 0) {
                flBitmap &= ~(1 << fl);
            }
        }
        words.set(h, 0);
        tags[h] = PageTag.NONE;
        if (len > 1) {
            int t = h + len - 1;
            words.set(h + 1, 0);
            words.set(t, 0);
            tags[t] = PageTag.NONE;
        }
        nrRanges--;
    }

    // ---------------------------------------------------------------- reading, for reports and tests

    /**
     * Whether page i lies inside a free range. Boundary pages answer from their tag; any other page
     * walks down to the nearest tagged page, which is the range's head if i is inside one (interior
     * pages carry no tag): O(distance), for diagnostics only.
     *
     * @param i a zone-relative page
     * @return whether it is free
     */
    boolean isFreeLocked(int i) {
        int head = enclosingTag(i);
        return head >= 0 && PageTag.isFree(tags[head]);
    }

    /**
     * @param i a zone-relative page
     * @return the page whose tag covers i: the head of the free range or allocated block i lies in, or
     *         -1 if i lies in neither (a reserved page or a hole)
     */
    int enclosingTag(int i) {
        if (PageTag.isFreeTail(tags[i])) {
            return headOfTail(i);
        }
        for (int j = i; j >= 0; j--) {
            byte tag = tags[j];
            if (tag == PageTag.NONE) {
                continue;
            }
            if (PageTag.isFreeHead(tag)) {
                return j + rangeLength(j) > i ? j : -1;
            }
            if (PageTag.isAllocated(tag)) {
                return j + (1L << PageTag.order(tag)) > i ? j : -1;
            }
            return -1; // the tail of a free range that ends below i
        }
        return -1;
    }

    /**
     * Adds the zone's free ranges to {@code perOrder}, each cut into the largest naturally aligned
     * power-of-two blocks, at most {@code maxOrder}: what /proc/buddyinfo shows for TLSF.
     *
     * @param perOrder counts by order, added to
     * @param maxOrder the largest order counted
     */
    void countAlignedBlocksLocked(long[] perOrder, int maxOrder) {
        for (int cls = 0; cls < heads.length; cls++) {
            for (int h = heads[cls]; h != RangeWords.NIL; h = words.next(h)) {
                AlignedBlocks.count(startPfn + h, rangeLength(h), maxOrder, perOrder);
            }
        }
    }

    /** @return the head of class cls's list, or NIL (for tests) */
    int headLocked(int cls) {
        return heads[cls];
    }

    /** @return the next range in h's list, or NIL (for tests) */
    int nextLocked(int h) {
        return words.next(h);
    }

    /** @return the previous range in h's list, or NIL (for tests) */
    int prevLocked(int h) {
        return words.prev(h);
    }

    /** @return the first-level bitmap (for tests) */
    int flBitmapLocked() {
        return flBitmap;
    }

    /** @return the second-level bitmap of first level fl (for tests) */
    int slBitmapLocked(int fl) {
        return slBitmap[fl];
    }

    /** @return the word of page i (for tests) */
    long wordLocked(int i) {
        return words.get(i);
    }

    /** @return the size classes */
    TlsfMapping mapping() {
        return map;
    }
}
