package com.example.kmemu.tlsf;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * {@code alloc_pages()} and {@code __free_pages()} with a TLSF heap per zone ({@link TlsfZone}).
 *
 * <h2>How this differs from the buddy allocator (mm/page_alloc.c), for students</h2>
 * <ul>
 * <li><b>No power-of-two halves.</b> The buddy allocator keeps only blocks of 2^k pages at 2^k-aligned
 *     pfns; a request is served by splitting a bigger block in halves, and a freed block merges only
 *     with its buddy, the one other block it was split from. TLSF keeps free ranges of any length at
 *     any pfn and merges a freed block with whatever free range touches it, on either side
 *     (Masmano et al., ECRTS 2004, section 4: "immediate coalescing").</li>
 * <li><b>Good fit in O(1).</b> The buddy allocator looks up the free list of the order wanted, then of
 *     each bigger order: up to MAX_PAGE_ORDER + 1 lists. TLSF files ranges in 2^SLI lists per power of
 *     two and finds a non-empty, big-enough list with two find-first-set operations on its bitmaps,
 *     however many ranges are free ({@link TlsfMapping}). The buddy allocator is bounded too, by
 *     MAX_PAGE_ORDER, for a page allocator's few orders; TLSF's bound does not grow with the largest
 *     size, which is why the paper offers it for real-time systems with arbitrary request sizes.</li>
 * <li><b>External fragmentation.</b> TLSF's strengths in a malloc (blocks of any size, no rounding
 *     up, any two free neighbours merge) meet a limit here: alloc_pages() asks only for power-of-two
 *     blocks at aligned pfns. For such requests a fully merged buddy allocator is already optimal:
 *     its free blocks are exactly the largest aligned blocks of the free pages, the same blocks
 *     {@link AlignedBlocks} cuts TLSF's ranges into, so for the same free pages both can serve the
 *     same requests. What differs is which free memory each takes, and so how the free pages look
 *     later: good fit takes the head of the smallest big-enough size class, whatever the caller's
 *     mobility; the buddy allocator takes the smallest order on the free list of the request's migrate
 *     type, split from the front, and steals from other types only when it must. And TLSF pays for
 *     alignment: carving an order-N block out of a range that starts unaligned leaves a fragment of up
 *     to 2^N - 1 pages in front of it ({@link TlsfZone} explains the search). Compare
 *     /proc/buddyinfo of both policies after the same workload.</li>
 * <li><b>What it leaves out.</b> No migrate types (no grouping by mobility, so nothing keeps unmovable
 *     pages out of the way of later huge allocations), no per-CPU lists (every call takes the zone
 *     lock), no pageblock stealing. Watermarks, lowmem reserves and zone fallback are kept: they are
 *     the page allocator's contract with the rest of the kernel, not part of the buddy algorithm.</li>
 * </ul>
 *
 * <h2>Allocation</h2>
 * {@code gfp_zone()} picks the highest zone; the zonelist is walked down over populated zones. A zone
 * serves the request if, after it, more than its watermark plus {@code lowmem_reserve[highest zone]}
 * stays free ({@link Watermarks#ok}): first against WMARK_LOW, then, as the slow path does after
 * waking kswapd (which kmemu does not run), against WMARK_MIN cut for __GFP_HIGH and non-blocking
 * callers, then with no watermark for __GFP_MEMALLOC. No reclaim, compaction or OOM killer, so
 * __GFP_NOFAIL fails too. A failure returns {@link #NO_PFN} and, unless __GFP_NOWARN, prints the
 * kernel's allocation-failure report.
 *
 * <h2>Locks</h2>
 * One lock per zone, never two at once. There is no per-CPU state: the cpu argument only names the
 * caller in reports.
 */
final class TlsfAllocator implements PageAllocator {
    private static final int ZONE_MODIFIERS = Gfp.__GFP_DMA | Gfp.__GFP_HIGHMEM | Gfp.__GFP_DMA32 | Gfp.__GFP_MOVABLE;

    private final int maxOrder;
    private final int pageblockOrder;
    private final int pageShift;
    private final int cpus;
    private final KernelLog log;
    private final BadPageReport badPages;
    private final Set<ZoneType> configured;
    /** The zone types /proc/zoneinfo's "protection:" lists: the configured ones and ZONE_MOVABLE. */
    private final List<ZoneType> reserveTypes;
    /** Populated zones by ZoneType ordinal; null for a zone without pages. */
    private final TlsfZone[] zonesByType = new TlsfZone[ZoneType.values().length];
    /** Populated zones, lowest first. */
    private final TlsfZone[] zones;
    /** gfp_zone() of each zone-modifier combination as a ZoneType ordinal; -1 for a bad combination. */
    private final int[] gfpZoneTable = new int[ZONE_MODIFIERS + 1];

    TlsfAllocator(PageAllocatorContext context, TlsfOptions options) {
        this.maxOrder = options.maxOrder();
        this.pageblockOrder = options.pageblockOrder();
        this.pageShift = context.pageShift();
        this.cpus = context.cpus();
        this.log = context.log();
        this.badPages = new BadPageReport(log);
        this.configured = Set.copyOf(context.configuredZones());
        List<ZoneType> reserve = new ArrayList<>();
        for (ZoneType t : ZoneType.values()) {
            if (configured.contains(t) || t == ZoneType.MOVABLE) {
                reserve.add(t);
            }
        }
        this.reserveTypes = List.copyOf(reserve);

        TlsfMapping map = new TlsfMapping(options.secondLevelLog2());
        List<TlsfZone> list = new ArrayList<>();
        for (ZoneSpan span : context.zones()) {
            TlsfZone zone = new TlsfZone(span, map, context.freePageWords());
            if (zonesByType[zone.typeIndex] != null) {
                throw new IllegalArgumentException("zones: " + span.type() + " twice (expected: one span per zone type)");
            }
            zonesByType[zone.typeIndex] = zone;
            list.add(zone);
        }
        list.sort((a, b) -> Integer.compare(a.typeIndex, b.typeIndex));
        this.zones = list.toArray(new TlsfZone[0]);

        long minFreeKbytes = options.minFreeKbytes() == TlsfOptions.AUTO
                ? Watermarks.autoMinFreeKbytes(list, pageShift) : options.minFreeKbytes();
        Watermarks.setupPerZoneWmarks(list, minFreeKbytes, options.watermarkScaleFactor(), pageShift);
        Watermarks.setupPerZoneLowmemReserve(list, options.lowmemReserveRatio());

        for (int mods = 0; mods <= ZONE_MODIFIERS; mods++) {
            int idx;
            try {
                idx = Gfp.gfpZone(mods, configured).ordinal();
            } catch (IllegalArgumentException bad) {
                idx = -1;
            }
            gfpZoneTable[mods] = idx;
        }
    }

    @Override
    public int maxOrder() {
        return maxOrder;
    }

    @Override
    public int pageblockOrder() {
        return pageblockOrder;
    }

    /** @return bad frees reported so far */
    long nrBadPages() {
        return badPages.nrBadPages();
    }

    /** @return the zone of this type, or null (for tests) */
    TlsfZone zone(ZoneType type) {
        return zonesByType[type.ordinal()];
    }

    @Override
    public void freeBootMemory(long startPfn, long nrPages) {
        if (nrPages < 1) {
            throw new IllegalArgumentException("nrPages: " + nrPages + " (expected: at least 1)");
        }
        TlsfZone zone = zoneOf(startPfn);
        long end = startPfn + nrPages;
        if (zone == null || end > zone.span.endPfn()) {
            throw new IllegalArgumentException(String.format(
                    "range: [%#x, %#x) (expected: inside one zone's span)", startPfn, end));
        }
        synchronized (zone.lock) {
            // memblock_free_all(): the whole range at once; it merges with a range freed just before it.
            zone.freeLocked((int) (startPfn - zone.startPfn), (int) nrPages);
        }
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order: " + order + " (expected: 0 to " + maxOrder + ")");
        }
        checkCpu(cpu);
        int highestZoneIdx = gfpZoneTable[gfp & ZONE_MODIFIERS];
        if (highestZoneIdx < 0) {
            Gfp.gfpZone(gfp, configured); // throws the kernel's "bad zone modifiers" message
        }
        long pfn = getPageFromFreelist(order, highestZoneIdx, Watermarks.WMARK_LOW, 0);
        if (pfn != NO_PFN) {
            return pfn;
        }
        return allocPagesSlowpath(cpu, gfp, order, highestZoneIdx);
    }

    /** {@code __alloc_pages_slowpath()} without kswapd, reclaim, compaction or the OOM killer. */
    private long allocPagesSlowpath(int cpu, int gfp, int order, int highestZoneIdx) {
        long pfn = getPageFromFreelist(order, highestZoneIdx, Watermarks.WMARK_MIN, reserveCuts(gfp));
        if (pfn == NO_PFN && (gfp & Gfp.__GFP_MEMALLOC) != 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
            // __gfp_pfmemalloc_flags(): __GFP_MEMALLOC may ignore the watermarks.
            pfn = getPageFromFreelist(order, highestZoneIdx, NO_WATERMARKS, 0);
        }
        if (pfn == NO_PFN && (gfp & Gfp.__GFP_NOWARN) == 0) {
            FreeAreaReport.warnAlloc(log, cpu, gfp, order, zonesByType, highestZoneIdx, maxOrder, pageShift);
        }
        return pfn;
    }

    /** Passed for the watermark: none at all (ALLOC_NO_WATERMARKS). */
    private static final int NO_WATERMARKS = -1;
    /** ALLOC_MIN_RESERVE: min is halved. */
    static final int CUT_MIN_RESERVE = 1;
    /** ALLOC_NON_BLOCK, with ALLOC_MIN_RESERVE: a further quarter off. */
    static final int CUT_NON_BLOCK = 2;

    /**
     * The cuts {@code gfp_to_alloc_flags()} grants the slow path: __GFP_HIGH (ALLOC_MIN_RESERVE) halves
     * min, and a __GFP_HIGH caller that also cannot enter direct reclaim (ALLOC_NON_BLOCK, as
     * GFP_ATOMIC) takes a further quarter off (mm/page_alloc.c {@code __zone_watermark_ok}).
     *
     * @param gfp the request's flags
     * @return CUT_* bits
     */
    static int reserveCuts(int gfp) {
        if ((gfp & Gfp.__GFP_HIGH) == 0) {
            return 0;
        }
        boolean nonBlock = (gfp & Gfp.__GFP_DIRECT_RECLAIM) == 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0;
        return CUT_MIN_RESERVE | (nonBlock ? CUT_NON_BLOCK : 0);
    }

    /**
     * {@code get_page_from_freelist()}: the zonelist walk from the highest allowed zone down, each zone
     * checked against its watermark before its lock is taken.
     */
    private long getPageFromFreelist(int order, int highestZoneIdx, int wmark, int cuts) {
        for (int z = highestZoneIdx; z >= 0; z--) {
            TlsfZone zone = zonesByType[z];
            if (zone == null) {
                continue;
            }
            if (wmark != NO_WATERMARKS) {
                long mark = zone.watermark[wmark];
                if ((cuts & CUT_MIN_RESERVE) != 0) {
                    mark -= mark / 2;
                }
                if ((cuts & CUT_NON_BLOCK) != 0) {
                    mark -= mark / 4;
                }
                if (!Watermarks.ok(zone, order, mark, highestZoneIdx)) {
                    continue;
                }
            }
            int i;
            synchronized (zone.lock) {
                i = zone.allocLocked(order);
            }
            if (i != RangeWords.NIL) {
                return zone.startPfn + i;
            }
        }
        return NO_PFN;
    }

    @Override
    public void freePages(int cpu, long pfn, int order) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order: " + order + " (expected: 0 to " + maxOrder + ")");
        }
        checkCpu(cpu);
        TlsfZone zone = zoneOf(pfn);
        if (zone == null) {
            badPages.badFree(cpu, null, pfn, order);
            return;
        }
        int i = (int) (pfn - zone.startPfn);
        synchronized (zone.lock) {
            if (PageTag.isAllocatedHead(zone.tags[i], order)) {
                zone.tags[i] = PageTag.NONE;
                zone.freeLocked(i, 1 << order);
                return;
            }
        }
        badPages.badFree(cpu, zone, pfn, order);
    }

    @Override
    public void splitPage(long pfn, int order) {
        TlsfZone zone = zoneOf(pfn);
        if (zone != null && order >= 0 && order <= maxOrder) {
            int i = (int) (pfn - zone.startPfn);
            synchronized (zone.lock) {
                if (PageTag.isAllocatedHead(zone.tags[i], order)) {
                    // split_page(): every page becomes an allocated order-0 page, freed on its own later.
                    for (int j = 0; j < 1 << order; j++) {
                        zone.tags[i + j] = PageTag.allocated(0);
                    }
                    return;
                }
            }
        }
        throw new IllegalArgumentException(String.format("splitPage: pfn:%05x order %d (expected: an allocated block)",
                pfn, order));
    }

    @Override
    public long nrFreePages(ZoneType zone) {
        TlsfZone z = zonesByType[zone.ordinal()];
        return z == null ? 0 : z.freePages();
    }

    @Override
    public ZoneStats zoneStats(ZoneType zone) {
        TlsfZone z = zonesByType[zone.ordinal()];
        if (z == null) {
            throw new IllegalArgumentException("zone: " + zone.kernelName() + " (expected: a populated zone)");
        }
        return FreeAreaReport.zoneStats(z, maxOrder, pageblockOrder, reserveTypes);
    }

    @Override
    public boolean isFreePage(long pfn) {
        TlsfZone zone = zoneOf(pfn);
        if (zone == null) {
            return false;
        }
        synchronized (zone.lock) {
            return zone.isFreeLocked((int) (pfn - zone.startPfn));
        }
    }

    @Override
    public long metadataBytes() {
        long bytes = 0;
        for (TlsfZone zone : zones) {
            bytes += zone.metadataBytes();
        }
        return bytes;
    }

    private TlsfZone zoneOf(long pfn) {
        for (TlsfZone zone : zones) {
            if (zone.span.contains(pfn)) {
                return zone;
            }
        }
        return null;
    }

    private void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            throw new IllegalArgumentException("cpu: " + cpu + " (expected: 0 to " + (cpus - 1) + ")");
        }
    }
}
