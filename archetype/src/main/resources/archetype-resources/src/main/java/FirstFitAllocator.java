package ${package};

import java.util.Set;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * The first-fit page allocator: {@code alloc_pages()} walks the zonelist from the highest zone the
 * gfp flags allow down to ZONE_DMA (mm/page_alloc.c get_page_from_freelist() without watermarks)
 * and takes the first fit in the first zone that has one ({@link FirstFitZone}). Failures and bad
 * frees are reported in the kernel's words. Thread-safe: each zone has its own lock, nothing is
 * per CPU, so {@code drainAllPages()} has nothing to do.
 */
final class FirstFitAllocator implements PageAllocator {

    private final FirstFitZone[] byType = new FirstFitZone[ZoneType.values().length];
    private final FirstFitZone[] zones;
    private final Set<ZoneType> configured;
    private final KernelLog log;
    private final int maxOrder;
    /** lowmem_reserve[] has one entry per configured zone type and ZONE_MOVABLE (all 0: none is kept). */
    private final int lowmemReserveEntries;

    FirstFitAllocator(PageAllocatorContext context, int maxOrder) {
        this.configured = Set.copyOf(context.configuredZones());
        this.log = context.log();
        this.maxOrder = maxOrder;
        this.zones = new FirstFitZone[context.zones().size()];
        int i = 0;
        for (ZoneSpan span : context.zones()) {
            zones[i] = new FirstFitZone(span, maxOrder);
            byType[span.type().ordinal()] = zones[i++];
        }
        int entries = 0;
        for (ZoneType t : ZoneType.values()) {
            if (configured.contains(t) || t == ZoneType.MOVABLE) {
                entries++;
            }
        }
        this.lowmemReserveEntries = entries;
    }

    @Override
    public int maxOrder() {
        return maxOrder;
    }

    /** pageblock_order = MAX_PAGE_ORDER, as without CONFIG_HUGETLB_PAGE (include/linux/pageblock-flags.h). */
    @Override
    public int pageblockOrder() {
        return maxOrder;
    }

    @Override
    public void freeBootMemory(long startPfn, long nrPages) {
        FirstFitZone zone = zoneOf(startPfn);
        if (zone == null || nrPages < 1) {
            throw new IllegalArgumentException("freeBootMemory: pfn 0x" + Long.toHexString(startPfn) + ", "
                    + nrPages + " pages (expected: at least one page inside a zone)");
        }
        zone.freeBootMemory(startPfn, nrPages);
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order: " + order + " (expected: 0 to " + maxOrder + ")");
        }
        ZoneType highest = Gfp.gfpZone(gfp, configured);
        for (int t = highest.ordinal(); t >= 0; t--) {
            FirstFitZone zone = byType[t];
            if (zone != null) {
                long pfn = zone.alloc(order);
                if (pfn != NO_PFN) {
                    return pfn;
                }
            }
        }
        if ((gfp & Gfp.__GFP_NOWARN) == 0) {
            // The first line of warn_alloc() (mm/page_alloc.c), with the flags in hex and by name.
            String mode = gfp == 0 ? "0" : "0x" + Integer.toHexString(gfp);
            log.printk(cpu, LogLevel.WARNING, log.currentComm(cpu) + ": page allocation failure: order:" + order
                    + ", mode:" + mode + "(" + Gfp.format(gfp) + "), nodemask=(null)");
        }
        return NO_PFN;
    }

    @Override
    public void freePages(int cpu, long pfn, int order) {
        FirstFitZone zone = zoneOf(pfn);
        String bad;
        if (zone == null) {
            bad = "pfn outside every zone";
        } else if (order < 0 || order > maxOrder) {
            bad = "freed with order " + order + " (expected: 0 to " + maxOrder + ")";
        } else {
            bad = zone.free(pfn, order);
        }
        if (bad != null) {
            // bad_page() (mm/page_alloc.c): the report, then the free is ignored.
            log.printk(cpu, LogLevel.ALERT, String.format("BUG: Bad page state in process %s  pfn:%05x",
                    log.currentComm(cpu), pfn));
            log.printk(cpu, LogLevel.WARNING, "page dumped because: " + bad);
        }
    }

    @Override
    public void splitPage(long pfn, int order) {
        FirstFitZone zone = zoneOf(pfn);
        if (zone == null || order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("splitPage: pfn 0x" + Long.toHexString(pfn) + ", order " + order
                    + " (expected: a block this allocator handed out)");
        }
        zone.split(pfn, order);
    }

    @Override
    public long nrFreePages(ZoneType zone) {
        FirstFitZone z = byType[zone.ordinal()];
        return z == null ? 0 : z.nrFree();
    }

    @Override
    public ZoneStats zoneStats(ZoneType zone) {
        FirstFitZone z = byType[zone.ordinal()];
        if (z == null) {
            throw new IllegalArgumentException("zone: " + zone.kernelName() + " (expected: a populated zone)");
        }
        return z.stats(lowmemReserveEntries, pageblockOrder());
    }

    @Override
    public long metadataBytes() {
        long bytes = 0;
        for (FirstFitZone z : zones) {
            bytes += z.metadataBytes();
        }
        return bytes;
    }

    private FirstFitZone zoneOf(long pfn) {
        for (FirstFitZone z : zones) {
            if (z.span.contains(pfn)) {
                return z;
            }
        }
        return null;
    }
}
