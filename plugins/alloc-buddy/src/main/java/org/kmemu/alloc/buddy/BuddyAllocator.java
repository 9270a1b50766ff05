package org.kmemu.alloc.buddy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * The zoned buddy page allocator: {@code alloc_pages()} / {@code __free_pages()} of mm/page_alloc.c.
 *
 * <h2>Allocation</h2>
 * {@code gfp_zone()} picks the highest zone (a 16-entry table built at boot), {@code gfp_migratetype()}
 * the free list. The fast path ({@code get_page_from_freelist} with ALLOC_WMARK_LOW) walks the
 * zonelist from that zone down over populated zones; each zone must pass its watermark plus
 * {@code lowmem_reserve[highest_zoneidx]} (checked first against WMARK_HIGH to maintain
 * ZONE_BELOW_HIGH). Order 0 is served from the CPU's per-CPU list ({@link PerCpuPages}), other orders
 * from the buddy lists under the zone lock ({@link Fallback}). Under ALLOC_NOFRAGMENT (preferred zone
 * Normal on a machine with ZONE_DMA32, {@code alloc_flags_nofragment}) a first walk steals only whole
 * pageblocks, a second walk anything. The slow path retries once with WMARK_MIN and the reserve cuts
 * of {@code gfp_to_alloc_flags()} (as after waking kswapd, which the emulator does not run), then
 * with no watermarks for __GFP_MEMALLOC, and fails: NO_PFN plus {@code warn_alloc()} unless
 * __GFP_NOWARN. There is no reclaim, compaction or OOM killer, so __GFP_NOFAIL fails too.
 *
 * <h2>Free</h2>
 * The pfn must be an allocated head of that order, else the free is reported as a bad page and
 * ignored ({@link BadPageReport}). Order 0 goes to the per-CPU list, which spills to the buddy lists
 * past its high mark; other orders merge under the zone lock.
 *
 * <h2>Locks</h2>
 * One lock per zone (zone->lock); never two at once. Per-CPU lists are confined to their CPU's thread,
 * which the debug tier checks ({@link PerCpuOwnership}): an order-0 allocation or free on CPU n from a
 * thread that is not CPU n's is reported before it touches the lists. {@link #drainAllPages} reaches
 * into every CPU's lists from the calling thread, where the kernel's drain_all_pages runs
 * drain_local_pages on each CPU (or takes each pcp->lock, which kmemu's lists do not have): it is
 * correct only while the other CPUs are quiescent, and checks that no other live thread owns them.
 */
final class BuddyAllocator implements PageAllocator {
    private static final int ZONE_MODIFIERS = Gfp.__GFP_DMA | Gfp.__GFP_HIGHMEM | Gfp.__GFP_DMA32 | Gfp.__GFP_MOVABLE;
    private static final int MOVABLE_IDX = ZoneType.MOVABLE.ordinal();
    private static final int HIGHATOMIC = MigrateType.HIGHATOMIC.ordinal();

    private final int maxOrder;
    private final int pageblockOrder;
    private final int pageShift;
    private final int cpus;
    private final boolean pcpEnabled;
    private final KernelLog log;
    private final BadPageReport badPages;
    private final PerCpuOwnership perCpu;
    private final Set<ZoneType> configured;
    private final List<ZoneType> reserveTypes;
    /** Populated zones, lowest first. */
    private final BuddyZone[] zones;
    /** Populated zones by ZoneType ordinal; null for an empty zone. */
    private final BuddyZone[] zonesByType;
    /** gfp_zone() of each zone-modifier combination, as a ZoneType ordinal; -1 for GFP_ZONE_BAD. */
    private final int[] gfpZoneTable = new int[ZONE_MODIFIERS + 1];
    /** ALLOC_NOFRAGMENT or 0, by highest zone index. */
    private final int[] nofragment = new int[ZoneType.values().length];
    /** pcp[cpu][zone type ordinal]. */
    private final PerCpuPages[][] pcp;

    BuddyAllocator(PageAllocatorContext context, BuddyOptions options) {
        this.maxOrder = options.maxOrder();
        this.pageblockOrder = options.pageblockOrder();
        this.pageShift = context.pageShift();
        this.cpus = context.cpus();
        this.pcpEnabled = options.pcpEnabled();
        this.log = context.log();
        this.badPages = new BadPageReport(log);
        this.perCpu = context.perCpu();
        this.configured = Set.copyOf(context.configuredZones());
        List<ZoneType> reserve = new ArrayList<>();
        for (ZoneType t : ZoneType.values()) {
            if (configured.contains(t) || t == ZoneType.MOVABLE) {
                reserve.add(t);
            }
        }
        this.reserveTypes = List.copyOf(reserve);

        List<BuddyZone> list = new ArrayList<>();
        this.zonesByType = new BuddyZone[ZoneType.values().length];
        for (ZoneSpan span : context.zones()) {
            BuddyZone zone = new BuddyZone(span, maxOrder, pageblockOrder, context.freePageWords(), context.events());
            if (zonesByType[zone.typeIndex] != null) {
                throw new IllegalArgumentException("zones: " + span.type() + " twice (expected: one span per zone type)");
            }
            zonesByType[zone.typeIndex] = zone;
            list.add(zone);
        }
        list.sort((a, b) -> Integer.compare(a.typeIndex, b.typeIndex));
        this.zones = list.toArray(new BuddyZone[0]);

        long minFreeKbytes = options.minFreeKbytes() == BuddyOptions.AUTO
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
        for (int hz = 0; hz < nofragment.length; hz++) {
            BuddyZone preferred = null;
            for (int z = hz; z >= 0 && preferred == null; z--) {
                preferred = zonesByType[z];
            }
            // alloc_flags_nofragment(): only when the preferred zone is Normal and ZONE_DMA32 exists.
            boolean nofrag = preferred != null && preferred.type == ZoneType.NORMAL
                    && configured.contains(ZoneType.DMA32);
            nofragment[hz] = nofrag ? AllocFlags.ALLOC_NOFRAGMENT : 0;
        }

        this.pcp = new PerCpuPages[cpus][ZoneType.values().length];
        for (BuddyZone zone : zones) {
            long managed = zone.span.managedPages();
            int batch = options.pcpBatch() == BuddyOptions.AUTO
                    ? PerCpuPages.zoneBatchsize(managed, pageShift) : options.pcpBatch();
            int highMin;
            int highMax;
            if (options.pcpHigh() == BuddyOptions.AUTO) {
                highMin = PerCpuPages.zoneHighsize(zone.watermark[AllocFlags.WMARK_LOW], batch, cpus);
                // MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8
                highMax = PerCpuPages.zoneHighsize(managed / 8, batch, cpus);
            } else {
                highMin = options.pcpHigh();
                highMax = options.pcpHigh();
            }
            for (int cpu = 0; cpu < cpus; cpu++) {
                pcp[cpu][zone.typeIndex] = new PerCpuPages(cpu, batch, highMin, highMax, options.pcpBatchScaleMax());
            }
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

    /** @return the zone with this type, or null (for tests) */
    BuddyZone zone(ZoneType type) {
        return zonesByType[type.ordinal()];
    }

    /** @return the CPU's per-CPU lists of a zone (for tests) */
    PerCpuPages pcp(int cpu, ZoneType type) {
        return pcp[cpu][type.ordinal()];
    }

    @Override
    public void freeBootMemory(long startPfn, long nrPages) {
        if (nrPages < 1) {
            throw new IllegalArgumentException("nrPages: " + nrPages + " (expected: at least 1)");
        }
        BuddyZone zone = zoneOf(startPfn);
        long end = startPfn + nrPages;
        if (zone == null || zone.indexOf(end - 1) < 0) {
            throw new IllegalArgumentException(String.format(
                    "range: [%#x, %#x) (expected: inside one zone's span)", startPfn, end));
        }
        synchronized (zone.lock) {
            // memblock_free_pages() / __free_pages_core(): the largest aligned blocks, tail-first lists.
            long pfn = startPfn;
            while (pfn < end) {
                int order = Math.min(maxOrder, Long.numberOfTrailingZeros(pfn));
                while (pfn + (1L << order) > end) {
                    order--;
                }
                zone.freeLocked((int) (pfn - zone.startPfn), order, true);
                pfn += 1L << order;
            }
            zone.bootPages += nrPages;
        }
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order: " + order + " (expected: 0 to " + maxOrder + ")");
        }
        if (cpu < 0 || cpu >= cpus) {
            throw new IllegalArgumentException("cpu: " + cpu + " (expected: 0 to " + (cpus - 1) + ")");
        }
        int highestZoneIdx = gfpZoneTable[gfp & ZONE_MODIFIERS];
        if (highestZoneIdx < 0) {
            Gfp.gfpZone(gfp, configured); // throws the bad-combination message
        }
        int mt = Gfp.gfpMigratetype(gfp).ordinal();
        long pfn = getPageFromFreelist(cpu, order, highestZoneIdx, mt,
                AllocFlags.ALLOC_WMARK_LOW | nofragment[highestZoneIdx]);
        if (pfn != NO_PFN) {
            return pfn;
        }
        return allocPagesSlowpath(cpu, gfp, order, highestZoneIdx, mt);
    }

    /** {@code __alloc_pages_slowpath()} without reclaim, compaction or OOM. */
    private long allocPagesSlowpath(int cpu, int gfp, int order, int highestZoneIdx, int mt) {
        int allocFlags = gfpToAllocFlags(gfp, order);
        long pfn = getPageFromFreelist(cpu, order, highestZoneIdx, mt, allocFlags);
        if (pfn == NO_PFN && (gfp & Gfp.__GFP_MEMALLOC) != 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
            // __gfp_pfmemalloc_flags(): __GFP_MEMALLOC may ignore the watermarks.
            pfn = getPageFromFreelist(cpu, order, highestZoneIdx, mt, AllocFlags.ALLOC_NO_WATERMARKS);
        }
        if (pfn == NO_PFN && (gfp & Gfp.__GFP_NOWARN) == 0) {
            FreeAreaReport.warnAlloc(log, cpu, gfp, order, zonesByType, highestZoneIdx, pageShift);
        }
        return pfn;
    }

    /** {@code gfp_to_alloc_flags()}: WMARK_MIN, reserve cuts for __GFP_HIGH and non-blocking callers. */
    static int gfpToAllocFlags(int gfp, int order) {
        int flags = AllocFlags.ALLOC_WMARK_MIN;
        if ((gfp & Gfp.__GFP_HIGH) != 0) {
            flags |= AllocFlags.ALLOC_MIN_RESERVE;
        }
        if ((gfp & Gfp.__GFP_DIRECT_RECLAIM) == 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
            flags |= AllocFlags.ALLOC_NON_BLOCK;
            if (order > 0) {
                flags |= AllocFlags.ALLOC_HIGHATOMIC;
            }
        }
        return flags;
    }

    /** {@code get_page_from_freelist()}: the zonelist walk with watermark checks. */
    private long getPageFromFreelist(int cpu, int order, int highestZoneIdx, int mt, int allocFlags) {
        while (true) {
            for (int z = highestZoneIdx; z >= 0; z--) {
                BuddyZone zone = zonesByType[z];
                if (zone == null) {
                    continue;
                }
                if (!zone.belowHigh) {
                    if (Watermarks.zoneWatermarkFast(zone, order, zone.watermark[AllocFlags.WMARK_HIGH],
                            highestZoneIdx, allocFlags)) {
                        long pfn = rmqueue(cpu, zone, order, mt, allocFlags);
                        if (pfn != NO_PFN) {
                            return pfn;
                        }
                        continue;
                    }
                    zone.belowHigh = true;
                }
                if ((allocFlags & AllocFlags.ALLOC_NO_WATERMARKS) == 0
                        && !Watermarks.zoneWatermarkFast(zone, order,
                                zone.watermark[allocFlags & AllocFlags.ALLOC_WMARK_MASK], highestZoneIdx, allocFlags)) {
                    continue;
                }
                long pfn = rmqueue(cpu, zone, order, mt, allocFlags);
                if (pfn != NO_PFN) {
                    return pfn;
                }
            }
            if ((allocFlags & AllocFlags.ALLOC_NOFRAGMENT) == 0) {
                return NO_PFN;
            }
            allocFlags &= ~AllocFlags.ALLOC_NOFRAGMENT;
        }
    }

    /** {@code rmqueue()}: the per-CPU list for order 0, else the buddy lists. */
    private long rmqueue(int cpu, BuddyZone zone, int order, int mt, int allocFlags) {
        if (order == 0 && pcpEnabled) {
            if (PerCpuOwnership.CHECKS) {
                perCpu.check(cpu, "rmqueue_pcplist", "per_cpu_pages");
            }
            int i = rmqueuePcplist(pcp[cpu][zone.typeIndex], zone, mt, allocFlags);
            if (i != PageList.NIL) {
                return zone.startPfn + i;
            }
        }
        return rmqueueBuddy(cpu, zone, order, mt, allocFlags);
    }

    /** {@code rmqueue_buddy()}. */
    private static long rmqueueBuddy(int cpu, BuddyZone zone, int order, int mt, int allocFlags) {
        synchronized (zone.lock) {
            int i = PageList.NIL;
            if ((allocFlags & AllocFlags.ALLOC_HIGHATOMIC) != 0) {
                i = zone.rmqueueSmallestLocked(order, HIGHATOMIC);
            }
            if (i == PageList.NIL) {
                i = Fallback.rmqueueLocked(cpu, zone, order, mt, allocFlags);
            }
            if (i == PageList.NIL && (allocFlags & (AllocFlags.ALLOC_OOM | AllocFlags.ALLOC_NON_BLOCK)) != 0) {
                i = zone.rmqueueSmallestLocked(order, HIGHATOMIC);
            }
            if (i == PageList.NIL) {
                return NO_PFN;
            }
            zone.state[i] = PageState.allocated(order, mt);
            return zone.startPfn + i;
        }
    }

    /** {@code rmqueue_pcplist()}: pop the list head, refilling an empty list with a batch first. */
    private static int rmqueuePcplist(PerCpuPages p, BuddyZone zone, int mt, int allocFlags) {
        p.freeCount >>= 1;
        int i = p.head[mt];
        if (i == PageList.NIL) {
            int batch = p.nrPcpAlloc(zone);
            synchronized (zone.lock) {
                p.count += rmqueueBulkLocked(zone, batch, p, mt, allocFlags);
            }
            i = p.head[mt];
            if (i == PageList.NIL) {
                return PageList.NIL;
            }
        }
        PcpList.removeHead(zone.links, p.head, p.tail, mt);
        p.count--;
        zone.state[i] = PageState.allocated(0, mt);
        return i;
    }

    /** {@code rmqueue_bulk()}: up to count order-0 pages to the tail of list mt. */
    private static int rmqueueBulkLocked(BuddyZone zone, int count, PerCpuPages p, int mt, int allocFlags) {
        int n = 0;
        while (n < count) {
            int i = Fallback.rmqueueLocked(p.cpu, zone, 0, mt, allocFlags);
            if (i == PageList.NIL) {
                break;
            }
            zone.state[i] = PageState.pcp();
            PcpList.addTail(zone.links, p.head, p.tail, mt, i);
            n++;
        }
        return n;
    }

    @Override
    public void freePages(int cpu, long pfn, int order) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order: " + order + " (expected: 0 to " + maxOrder + ")");
        }
        if (cpu < 0 || cpu >= cpus) {
            throw new IllegalArgumentException("cpu: " + cpu + " (expected: 0 to " + (cpus - 1) + ")");
        }
        BuddyZone zone = zoneOf(pfn);
        if (zone == null) {
            badPages.badFree(cpu, null, pfn, order);
            return;
        }
        int i = (int) (pfn - zone.startPfn);
        if (!PageState.isAllocatedHead(zone.state[i], order)) {
            badPages.badFree(cpu, zone, pfn, order);
            return;
        }
        if (order == 0 && pcpEnabled) {
            if (PerCpuOwnership.CHECKS) {
                perCpu.check(cpu, "free_unref_page", "per_cpu_pages");
            }
            freeUnrefPage(pcp[cpu][zone.typeIndex], zone, i);
            return;
        }
        synchronized (zone.lock) {
            zone.freeLocked(i, order, false);
        }
    }

    @Override
    public void splitPage(long pfn, int order) {
        BuddyZone zone = zoneOf(pfn);
        int i = zone == null ? -1 : (int) (pfn - zone.startPfn);
        if (zone == null || order < 0 || order > maxOrder || !PageState.isAllocatedHead(zone.state[i], order)) {
            throw new IllegalArgumentException(String.format("splitPage: pfn:%05x order %d (expected: an allocated block)",
                    pfn, order));
        }
        // split_page(): every page becomes an allocated order-0 page of the block's migrate type. Only
        // the freeing caller touches an allocated block, so no lock is needed.
        byte page = PageState.allocated(0, PageState.migratetype(zone.state[i]));
        for (int j = 0; j < 1 << order; j++) {
            zone.state[i + j] = page;
        }
    }

    /** {@code free_unref_page()} + {@code free_unref_page_commit()} for order 0. */
    private static void freeUnrefPage(PerCpuPages p, BuddyZone zone, int i) {
        int mt = zone.pageblockMigratetype(i);
        if (mt >= MigrateType.PCPTYPES) {
            if (mt == MigrateType.ISOLATE.ordinal()) {
                synchronized (zone.lock) {
                    zone.freeOneLocked(i, 0, mt, false);
                }
                return;
            }
            mt = MigrateType.MOVABLE.ordinal(); // HIGHATOMIC pages go on the movable pcp list
        }
        p.allocFactor >>= 1;
        zone.state[i] = PageState.pcp();
        PcpList.addHead(zone.links, p.head, p.tail, mt, i);
        p.count++;
        p.countFree();
        int high = p.nrPcpHigh(zone);
        if (p.count >= high) {
            synchronized (zone.lock) {
                freePcppagesBulkLocked(zone, p.nrPcpFree(high), p, mt);
                if (zone.belowHigh && Watermarks.zoneWatermarkOk(zone, 0, zone.watermark[AllocFlags.WMARK_HIGH],
                        MOVABLE_IDX, 0)) {
                    zone.belowHigh = false;
                }
            }
        }
    }

    /** {@code free_pcppages_bulk()}: count pages from list tails, round robin starting at list first. */
    private static void freePcppagesBulkLocked(BuddyZone zone, int count, PerCpuPages p, int first) {
        count = Math.min(count, p.count);
        int list = first - 1;
        while (count > 0) {
            int looked = 0;
            do {
                if (++list >= MigrateType.PCPTYPES) {
                    list = 0;
                }
                // count says pages are left: an empty pcp would spin here for ever (as the kernel would).
                assert ++looked <= MigrateType.PCPTYPES : "pcp of CPU " + p.cpu + ": count " + p.count
                        + " but every list is empty";
            } while (p.head[list] == PageList.NIL);
            do {
                int i = PcpList.removeTail(zone.links, p.head, p.tail, list);
                count--;
                p.count--;
                zone.freeOneLocked(i, 0, zone.pageblockMigratetype(i), false);
            } while (count > 0 && p.head[list] != PageList.NIL);
        }
    }

    @Override
    public void drainAllPages() {
        if (PerCpuOwnership.CHECKS) {
            for (int cpu = 0; cpu < cpus; cpu++) {
                perCpu.checkQuiescent(cpu, "drain_pages", "per_cpu_pages");
            }
        }
        for (BuddyZone zone : zones) {
            for (int cpu = 0; cpu < cpus; cpu++) {
                PerCpuPages p = pcp[cpu][zone.typeIndex];
                if (p.count > 0) {
                    synchronized (zone.lock) {
                        freePcppagesBulkLocked(zone, p.count, p, 0);
                    }
                }
            }
        }
    }

    /**
     * @param pfn any frame
     * @return whether it is a free head on a free list or a page on a per-CPU list (read without a lock)
     */
    @Override
    public boolean isFreePage(long pfn) {
        BuddyZone zone = zoneOf(pfn);
        if (zone == null) {
            return false;
        }
        int kind = PageState.kind(zone.state[(int) (pfn - zone.startPfn)]);
        return kind == PageState.FREE || kind == PageState.PCP;
    }

    /**
     * @return the zones' state bytes (1 per page), pageblock migrate types (1 per pageblock) and, when
     *         the machine lends no struct page words, the zones' own list links (8 per page)
     */
    @Override
    public long metadataBytes() {
        long n = 0;
        for (BuddyZone zone : zones) {
            n += zone.metadataBytes();
        }
        return n;
    }

    @Override
    public long nrFreePages(ZoneType zone) {
        BuddyZone z = zonesByType[zone.ordinal()];
        return z == null ? 0 : z.freePages();
    }

    @Override
    public ZoneStats zoneStats(ZoneType zone) {
        BuddyZone z = zonesByType[zone.ordinal()];
        if (z == null) {
            throw new IllegalArgumentException("zone: " + zone + " (expected: a populated zone)");
        }
        PerCpuPages[] pcps = new PerCpuPages[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            pcps[cpu] = pcpEnabled ? pcp[cpu][z.typeIndex] : null;
        }
        return FreeAreaReport.zoneStats(z, pcps, reserveTypes);
    }

    /** @return the populated zone whose span holds pfn, or null */
    private BuddyZone zoneOf(long pfn) {
        for (BuddyZone zone : zones) {
            if (pfn - zone.startPfn >= 0 && pfn - zone.startPfn < zone.spanned) {
                return zone;
            }
        }
        return null;
    }
}
