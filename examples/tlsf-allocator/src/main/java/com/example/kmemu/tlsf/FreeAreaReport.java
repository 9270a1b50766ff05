package com.example.kmemu.tlsf;

import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.MigrateType;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * What /proc and the allocation-failure report show of a TLSF zone. The core renders /proc/buddyinfo,
 * /proc/pagetypeinfo and /proc/zoneinfo from a {@link ZoneStats} snapshot, whose free-block counts are
 * per migrate type and order, the buddy allocator's structure. TLSF reports:
 * <ul>
 * <li>free blocks per order: its free ranges cut into aligned blocks ({@link AlignedBlocks});</li>
 * <li>all of them, and every pageblock, under MIGRATE_MOVABLE: TLSF does not group pages by mobility,
 *     so every pageblock keeps the type memmap_init_zone() gives it at boot (mm/mm_init.c), movable,
 *     and /proc/pagetypeinfo shows that no anti-fragmentation is happening;</li>
 * <li>no per-CPU lists: every allocation takes the zone lock (zoneinfo prints the pagesets as 0);</li>
 * <li>the watermarks and lowmem reserves, which TLSF obeys as the buddy allocator does.</li>
 * </ul>
 * The failure report is {@code warn_alloc()}'s first line and one {@code show_free_areas()} line per
 * zone (mm/show_mem.c), without migrate-type letters.
 */
final class FreeAreaReport {
    private FreeAreaReport() {
    }

    private static final int MOVABLE = MigrateType.MOVABLE.ordinal();

    static ZoneStats zoneStats(TlsfZone zone, int maxOrder, int pageblockOrder, List<ZoneType> reserveTypes) {
        long[][] blocks = new long[MigrateType.values().length][maxOrder + 1];
        long free;
        synchronized (zone.lock) {
            free = zone.freePages();
            zone.countAlignedBlocksLocked(blocks[MOVABLE], maxOrder);
        }
        long[] pageblocks = new long[MigrateType.values().length];
        // Pageblocks that overlap the zone's span, as pagetypeinfo_showblockcount_print() walks them.
        long first = zone.startPfn >> pageblockOrder;
        long last = (zone.span.endPfn() - 1) >> pageblockOrder;
        pageblocks[MOVABLE] = last - first + 1;
        long[] reserve = new long[reserveTypes.size()];
        for (int k = 0; k < reserve.length; k++) {
            reserve[k] = zone.lowmemReserve[reserveTypes.get(k).ordinal()];
        }
        return new ZoneStats(zone.span, free, zone.watermark[Watermarks.WMARK_MIN],
                zone.watermark[Watermarks.WMARK_LOW], zone.watermark[Watermarks.WMARK_HIGH],
                zone.watermark[Watermarks.WMARK_PROMO], reserve, blocks, pageblocks, List.of());
    }

    /** {@code warn_alloc()}'s first line: {@code "%s: page allocation failure: order:%u, mode:%#x(%pGg), nodemask=(null)"}. */
    static String failureLine(String comm, int gfp, int order) {
        String mode = gfp == 0 ? "0" : "0x" + Integer.toHexString(gfp);
        return comm + ": page allocation failure: order:" + order + ", mode:" + mode + "(" + Gfp.format(gfp)
                + "), nodemask=(null)";
    }

    /** One {@code show_free_areas()} line: {@code "Node 0 DMA: 1*4kB 0*8kB ... = 4kB"}. */
    static String showFreeAreasLine(TlsfZone zone, int maxOrder, int pageShift) {
        long[] nr = new long[maxOrder + 1];
        synchronized (zone.lock) {
            zone.countAlignedBlocksLocked(nr, maxOrder);
        }
        int kbShift = pageShift - 10;
        StringBuilder line = new StringBuilder("Node 0 ").append(zone.type.kernelName()).append(": ");
        long total = 0;
        for (int o = 0; o <= maxOrder; o++) {
            total += nr[o] << o;
            line.append(nr[o]).append('*').append((1L << kbShift) << o).append("kB ");
        }
        return line.append("= ").append(total << kbShift).append("kB").toString();
    }

    /** The report, for the zones up to the request's highest zone as {@code warn_alloc_show_mem()} limits it. */
    static void warnAlloc(KernelLog log, int cpu, int gfp, int order, TlsfZone[] zonesByType, int highestZoneIdx,
                          int maxOrder, int pageShift) {
        log.printk(cpu, LogLevel.WARNING, failureLine(log.currentComm(cpu), gfp, order));
        for (int z = 0; z <= highestZoneIdx; z++) {
            if (zonesByType[z] != null) {
                log.printk(cpu, LogLevel.WARNING, showFreeAreasLine(zonesByType[z], maxOrder, pageShift));
            }
        }
    }
}
