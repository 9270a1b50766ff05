package org.kmemu.core.testing;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * A deliberately simple page allocator for core tests: one bitmap of free frames per zone and a
 * first-fit search for a naturally aligned run of {@code 2^order} free frames, walking the zones from
 * {@link Gfp#gfpZone} downward as the kernel's zonelist does. No per-CPU lists, no watermark checks,
 * no migrate types (everything is MIGRATE_MOVABLE, as boot-time memory is in Linux).
 *
 * <p>Its {@link ZoneStats} describe the free memory the way a fully merged buddy allocator would:
 * the free frames split greedily into maximal naturally aligned blocks of at most {@link #maxOrder()}
 * that lie inside the zone. Watermarks come from a fixed, documented formula (not the kernel's):
 * {@code min = managed / 256}, {@code low = min + min/4}, {@code high = min + min/2},
 * {@code promo = high + min/4}. {@code lowmem_reserve} follows mm/page_alloc.c
 * {@code setup_per_zone_lowmem_reserve()} with the default ratios (DMA 256, DMA32 256, NORMAL 32).
 *
 * <p>When the machine lends struct page words ({@link FreePageWords}), a freed block's first page
 * carries a nonzero mark there while it is free, as a buddy allocator's list links would, so that core
 * tests see free pages whose word is not a mapping; every page leaves with the word 0 again.
 *
 * <p>Every public method is {@code synchronized}: one lock for the whole allocator.
 */
public final class FirstFitPageAllocator implements PageAllocator {
    private final int maxOrder;
    private final int pageblockOrder;
    private final Set<ZoneType> configured;
    private final KernelLog log;
    private final List<Zone> zones = new ArrayList<>();
    /** The lent words, or null. */
    private final FreePageWords words;
    /** Allocated blocks: first pfn to order. */
    private final Map<Long, Integer> allocated = new HashMap<>();

    /** One zone's state; bit {@code i} stands for pfn {@code span.startPfn() + i}. */
    private static final class Zone {
        final ZoneSpan span;
        final BitSet free = new BitSet();
        final BitSet managed = new BitSet();
        long nrFree;
        long[] lowmemReserve;

        Zone(ZoneSpan span) {
            this.span = span;
        }
    }

    /**
     * @param zones          the populated zones, lowest first
     * @param configured     every configured zone type, ZONE_MOVABLE included
     * @param maxOrder       MAX_PAGE_ORDER
     * @param pageblockOrder pageblock_order
     * @param log            where allocation failures and bad frees are reported
     */
    public FirstFitPageAllocator(List<ZoneSpan> zones, Set<ZoneType> configured, int maxOrder, int pageblockOrder,
                                 KernelLog log) {
        this(zones, configured, maxOrder, pageblockOrder, log, null);
    }

    /**
     * @param zones          the populated zones, lowest first
     * @param configured     every configured zone type, ZONE_MOVABLE included
     * @param maxOrder       MAX_PAGE_ORDER
     * @param pageblockOrder pageblock_order
     * @param log            where allocation failures and bad frees are reported
     * @param words          the machine's struct page words for free pages, or null
     */
    public FirstFitPageAllocator(List<ZoneSpan> zones, Set<ZoneType> configured, int maxOrder, int pageblockOrder,
                                 KernelLog log, FreePageWords words) {
        this.words = words;
        this.maxOrder = maxOrder;
        this.pageblockOrder = pageblockOrder;
        this.configured = Set.copyOf(configured);
        this.log = log;
        for (ZoneSpan z : zones) {
            this.zones.add(new Zone(z));
        }
        setupLowmemReserve();
    }

    /** mm/page_alloc.c setup_per_zone_lowmem_reserve(), with sysctl_lowmem_reserve_ratio's defaults. */
    private void setupLowmemReserve() {
        List<ZoneType> types = new ArrayList<>();
        for (ZoneType t : ZoneType.values()) {
            if (configured.contains(t) || t == ZoneType.MOVABLE) {
                types.add(t);
            }
        }
        for (Zone z : zones) {
            long[] reserve = new long[types.size()];
            long ratio = switch (z.span.type()) {
                case DMA, DMA32 -> 256;
                case NORMAL -> 32;
                default -> 0;
            };
            long above = 0;
            for (int j = types.indexOf(z.span.type()) + 1; j < types.size(); j++) {
                above += managed(types.get(j));
                reserve[j] = ratio == 0 || z.span.managedPages() == 0 ? 0 : above / ratio;
            }
            z.lowmemReserve = reserve;
        }
    }

    private long managed(ZoneType type) {
        for (Zone z : zones) {
            if (z.span.type() == type) {
                return z.span.managedPages();
            }
        }
        return 0;
    }

    @Override
    public int maxOrder() {
        return maxOrder;
    }

    @Override
    public int pageblockOrder() {
        return pageblockOrder;
    }

    @Override
    public synchronized void freeBootMemory(long startPfn, long nrPages) {
        Zone z = zoneOf(startPfn);
        if (z == null || !z.span.contains(startPfn + nrPages - 1)) {
            throw new IllegalArgumentException(String.format("freeBootMemory: pfns [%#x, %#x) (expected: inside one zone)",
                    startPfn, startPfn + nrPages));
        }
        int from = (int) (startPfn - z.span.startPfn());
        z.free.set(from, from + (int) nrPages);
        z.managed.set(from, from + (int) nrPages);
        z.nrFree += nrPages;
    }

    @Override
    public synchronized long allocPages(int cpu, int gfp, int order) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order: " + order + " (expected: 0 to " + maxOrder + ")");
        }
        ZoneType highest = Gfp.gfpZone(gfp, configured);
        for (int i = zones.size() - 1; i >= 0; i--) {
            Zone z = zones.get(i);
            if (z.span.type().ordinal() > highest.ordinal()) {
                continue;
            }
            long pfn = firstFit(z, order);
            if (pfn != NO_PFN) {
                int idx = (int) (pfn - z.span.startPfn());
                z.free.clear(idx, idx + (1 << order));
                z.nrFree -= 1L << order;
                allocated.put(pfn, order);
                if (words != null) {
                    for (long p = pfn; p < pfn + (1L << order); p++) {
                        if (words.get(p) != 0) {
                            words.set(p, 0);
                        }
                    }
                }
                return pfn;
            }
        }
        if ((gfp & Gfp.__GFP_NOWARN) == 0) {
            log.warn(String.format("%s: page allocation failure: order:%d, mode:%#x(%s), nodemask=(null)",
                    log.currentComm(), order, gfp, Gfp.format(gfp)));
        }
        return NO_PFN;
    }

    /** @return the first naturally aligned free run of 2^order frames in the zone, or NO_PFN */
    private static long firstFit(Zone z, int order) {
        long n = 1L << order;
        long start = z.span.startPfn();
        long end = z.span.endPfn();
        int idx = z.free.nextSetBit(0);
        while (idx >= 0) {
            long pfn = (start + idx + n - 1) & -n;
            if (pfn + n > end) {
                return NO_PFN;
            }
            int i = (int) (pfn - start);
            int clear = z.free.nextClearBit(i);
            if (clear >= i + n) {
                return pfn;
            }
            idx = z.free.nextSetBit(clear);
        }
        return NO_PFN;
    }

    @Override
    public synchronized void freePages(int cpu, long pfn, int order) {
        Integer had = allocated.get(pfn);
        Zone z = zoneOf(pfn);
        if (had == null || had != order || z == null) {
            log.err(String.format("BUG: Bad page state in process %s  pfn:%05x", log.currentComm(), pfn));
            return;
        }
        allocated.remove(pfn);
        int idx = (int) (pfn - z.span.startPfn());
        z.free.set(idx, idx + (1 << order));
        z.nrFree += 1L << order;
        if (words != null) {
            words.set(pfn, FREE_MARK | pfn);
        }
    }

    /** The mark a freed block's first page carries in its lent word: nonzero, and no plausible mapping. */
    static final long FREE_MARK = 0xf4ee_0000_0000_0000L;

    @Override
    public synchronized boolean isFreePage(long pfn) {
        Zone z = zoneOf(pfn);
        return z != null && z.free.get((int) (pfn - z.span.startPfn()));
    }

    @Override
    public synchronized void splitPage(long pfn, int order) {
        Integer had = allocated.get(pfn);
        if (had == null || had != order) {
            throw new IllegalArgumentException(String.format("splitPage: pfn:%05x order %d (expected: an allocated block)", pfn, order));
        }
        for (long p = pfn; p < pfn + (1L << order); p++) {
            allocated.put(p, 0);
        }
    }

    @Override
    public synchronized long nrFreePages(ZoneType zone) {
        for (Zone z : zones) {
            if (z.span.type() == zone) {
                return z.nrFree;
            }
        }
        return 0;
    }

    @Override
    public synchronized ZoneStats zoneStats(ZoneType zone) {
        for (Zone z : zones) {
            if (z.span.type() == zone) {
                return stats(z);
            }
        }
        throw new IllegalArgumentException("zone: " + zone + " (expected: a populated zone)");
    }

    private ZoneStats stats(Zone z) {
        long start = z.span.startPfn();
        long end = z.span.endPfn();
        long[][] freeBlocks = new long[MigrateType.values().length][maxOrder + 1];
        int idx = z.free.nextSetBit(0);
        while (idx >= 0 && start + idx < end) {
            long pfn = start + idx;
            int order = Math.min(maxOrder, Long.numberOfTrailingZeros(pfn));
            while (order > 0 && (pfn + (1L << order) > end || z.free.nextClearBit(idx) < idx + (1L << order))) {
                order--;
            }
            freeBlocks[MigrateType.MOVABLE.ordinal()][order]++;
            idx = z.free.nextSetBit(idx + (1 << order));
        }
        long[] pageblocks = new long[MigrateType.values().length];
        long pb = 1L << pageblockOrder;
        for (long pfn = start; pfn < end; pfn += pb) {
            int from = (int) (Math.max(pfn & -pb, start) - start);
            int next = z.managed.nextSetBit(from);
            if (next >= 0 && next < (int) (((pfn & -pb) + pb) - start)) {
                pageblocks[MigrateType.MOVABLE.ordinal()]++;
            }
        }
        long min = z.span.managedPages() / 256;
        long low = min + min / 4;
        long high = min + min / 2;
        return new ZoneStats(z.span, z.nrFree, min, low, high, high + min / 4, z.lowmemReserve.clone(), freeBlocks,
                pageblocks, List.of());
    }

    private Zone zoneOf(long pfn) {
        for (Zone z : zones) {
            if (z.span.contains(pfn)) {
                return z;
            }
        }
        return null;
    }
}
