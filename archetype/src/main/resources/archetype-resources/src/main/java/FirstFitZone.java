package ${package};

import java.util.List;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;

/**
 * One zone of the first-fit allocator.
 *
 * <p>State: a bitmap with one bit per frame of the zone's span, set while the frame is free, and per
 * frame a byte holding order + 1 at the first frame of every block handed out (0 elsewhere), so that
 * a free can be checked against what was allocated, as the kernel's free_pages_prepare() checks a
 * page's flags before taking it back.
 *
 * <p>Search: an order-n request takes the lowest-addressed run of 2^n free frames that starts at a
 * pfn divisible by 2^n (alloc_pages() promises natural alignment). From the first free frame at or
 * after a candidate, it checks the candidate block from its top down; the highest busy frame found
 * is where the next candidate starts. A hint remembers that no frame below it is free.
 *
 * <p>What the buddy allocator has and this one leaves out, on purpose: free lists (a search costs
 * up to the zone's size), per-CPU lists, migrate types (every pageblock counts as unmovable, as in a
 * kernel with page_group_by_mobility_disabled, mm/page_alloc.c), watermarks and lowmem_reserve (a
 * GFP_KERNEL request may empty ZONE_DMA), and coalescing (none is needed: adjacent free frames are
 * one run in the bitmap).
 *
 * <p>Locking: every method is synchronized on the zone, the kernel's {@code zone->lock}.
 */
final class FirstFitZone {

    /** The largest span: frame indexes are ints, rounded up to whole 64-bit bitmap words. */
    static final long MAX_ZONE_PAGES = Integer.MAX_VALUE - 63;

    final ZoneSpan span;
    private final long startPfn;
    private final int nrPages;
    private final int maxOrder;
    /** Bit (i % 64) of word (i / 64) is set while frame startPfn + i is free. */
    private final long[] free;
    /** order + 1 at the first frame of each block handed out, 0 at every other frame. */
    private final byte[] headOrder;
    private long nrFree;
    /** No frame below this index is free. */
    private int lowestFree;

    FirstFitZone(ZoneSpan span, int maxOrder) {
        this.span = span;
        this.startPfn = span.startPfn();
        this.nrPages = Math.toIntExact(span.spannedPages());
        this.maxOrder = maxOrder;
        this.free = new long[(nrPages + 63) >>> 6];
        this.headOrder = new byte[nrPages];
        this.lowestFree = nrPages;
    }

    /** Takes RAM that boot frees; the range lies inside the zone and was never free before. */
    synchronized void freeBootMemory(long pfn, long nrPages) {
        if (pfn < startPfn || pfn + nrPages > startPfn + this.nrPages) {
            throw new IllegalArgumentException("freeBootMemory: pfns 0x" + Long.toHexString(pfn) + " + " + nrPages
                    + " (expected: inside zone " + span.type().kernelName() + ")");
        }
        int from = (int) (pfn - startPfn);
        int to = from + (int) nrPages;
        assert nextFree(from) >= to : "boot memory freed twice";
        fill(from, to, true);
        nrFree += nrPages;
        lowestFree = Math.min(lowestFree, from);
    }

    /** @return the first frame of a naturally aligned free block of 2^order frames, now allocated, or NO_PFN */
    synchronized long alloc(int order) {
        int size = 1 << order;
        int i = nextFree(lowestFree);
        lowestFree = i;
        while (i < nrPages) {
            long pfn = (startPfn + i + size - 1) & -size;
            if (pfn + size > startPfn + nrPages) {
                return PageAllocator.NO_PFN;
            }
            int from = (int) (pfn - startPfn);
            int busy = lastBusy(from, from + size);
            if (busy < 0) {
                fill(from, from + size, false);
                headOrder[from] = (byte) (order + 1);
                nrFree -= size;
                return pfn;
            }
            i = nextFree(busy + 1);
        }
        return PageAllocator.NO_PFN;
    }

    /**
     * Takes back a block that {@code alloc} handed out.
     *
     * @return null when done; otherwise why the free is bad (the block is left as it was)
     */
    synchronized String free(long pfn, int order) {
        int i = (int) (pfn - startPfn);
        int head = headOrder[i];
        if (head != order + 1) {
            if (isFree(i)) {
                return "double free: page is already free";
            }
            return head == 0 ? "not the first page of an allocated block"
                    : "freed with order " + order + " but allocated with order " + (head - 1);
        }
        int size = 1 << order;
        headOrder[i] = 0;
        fill(i, i + size, true);
        nrFree += size;
        lowestFree = Math.min(lowestFree, i);
        return null;
    }

    /** split_page(): the allocated block at pfn becomes 2^order allocated order-0 pages. */
    synchronized void split(long pfn, int order) {
        int i = (int) (pfn - startPfn);
        if (headOrder[i] != order + 1) {
            throw new IllegalArgumentException("splitPage: pfn 0x" + Long.toHexString(pfn)
                    + " (expected: the first frame of a block allocated with order " + order + ")");
        }
        for (int j = 0; j < (1 << order); j++) {
            headOrder[i + j] = 1;
        }
    }

    synchronized long nrFree() {
        return nrFree;
    }

    /**
     * The free frames as the free lists of a buddy allocator would hold them: each run of free frames
     * cut into the largest naturally aligned blocks of at most 2^maxOrder frames. So /proc/buddyinfo
     * reads as it does for the kernel, and the counts add up to {@code nrFree}.
     */
    synchronized ZoneStats stats(int lowmemReserveEntries, int pageblockOrder) {
        long[][] blocks = new long[MigrateType.values().length][maxOrder + 1];
        long[] perOrder = blocks[MigrateType.UNMOVABLE.ordinal()];
        int i = nextFree(0);
        while (i < nrPages) {
            int runEnd = nextBusy(i);
            long pfn = startPfn + i;
            long end = startPfn + runEnd;
            while (pfn < end) {
                int order = Math.min(maxOrder, Long.numberOfTrailingZeros(pfn));
                while (pfn + (1L << order) > end) {
                    order--;
                }
                perOrder[order]++;
                pfn += 1L << order;
            }
            i = nextFree(runEnd);
        }
        long[] pageblocks = new long[MigrateType.values().length];
        long block = 1L << pageblockOrder;
        long first = startPfn & -block;
        long last = (startPfn + nrPages + block - 1) & -block;
        pageblocks[MigrateType.UNMOVABLE.ordinal()] = (last - first) >> pageblockOrder;
        return new ZoneStats(span, nrFree, 0, 0, 0, 0, new long[lowmemReserveEntries], blocks, pageblocks, List.of());
    }

    /** @return bytes of per-frame state: the bitmap and the head orders */
    long metadataBytes() {
        return 8L * free.length + headOrder.length;
    }

    private boolean isFree(int i) {
        return (free[i >>> 6] & (1L << i)) != 0;
    }

    /** @return the lowest free frame index at or above i, or nrPages */
    private int nextFree(int i) {
        if (i >= nrPages) {
            return nrPages;
        }
        int w = i >>> 6;
        long word = free[w] & (-1L << i);
        while (word == 0) {
            if (++w == free.length) {
                return nrPages;
            }
            word = free[w];
        }
        return Math.min(nrPages, (w << 6) + Long.numberOfTrailingZeros(word));
    }

    /** @return the lowest busy frame index at or above i, or nrPages */
    private int nextBusy(int i) {
        if (i >= nrPages) {
            return nrPages;
        }
        int w = i >>> 6;
        long word = ~free[w] & (-1L << i);
        while (word == 0) {
            if (++w == free.length) {
                return nrPages;
            }
            word = ~free[w];
        }
        return Math.min(nrPages, (w << 6) + Long.numberOfTrailingZeros(word));
    }

    /** @return the highest busy frame index in [from, to), or -1 if all are free */
    private int lastBusy(int from, int to) {
        int i = to - 1;
        while (i >= from) {
            int w = i >>> 6;
            // Busy bits of this word at or below i.
            long word = ~free[w] & (-1L >>> (63 - (i & 63)));
            if (word != 0) {
                int busy = (w << 6) + 63 - Long.numberOfLeadingZeros(word);
                return busy >= from ? busy : -1;
            }
            i = (w << 6) - 1;
        }
        return -1;
    }

    /** Sets (free) or clears (allocated) the bits of frames [from, to). */
    private void fill(int from, int to, boolean set) {
        int i = from;
        while (i < to) {
            int w = i >>> 6;
            int bits = Math.min(64 - (i & 63), to - i);
            long mask = (bits == 64 ? -1L : (1L << bits) - 1) << i;
            free[w] = set ? free[w] | mask : free[w] & ~mask;
            i += bits;
        }
    }
}
