package org.kmemu.alloc.buddy;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PcpStats;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * Reads a zone's free areas for reports: the {@link ZoneStats} snapshot behind /proc/buddyinfo,
 * /proc/pagetypeinfo and /proc/zoneinfo, and the allocation-failure report of {@code warn_alloc()}
 * (mm/page_alloc.c) with the per-zone buddy lines of {@code show_free_areas()} (mm/show_mem.c):
 *
 * <pre>
 * swapper/0: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null)
 * Node 0 DMA: 1*4kB (U) 2*8kB (UM) 0*16kB ... 3*4096kB (M) = 15908kB
 * </pre>
 *
 * The letters are {@code show_migration_types()}'s: U unmovable, M movable, E reclaimable,
 * H highatomic, I isolate. Not printed: the stack dump, Mem-Info and the per-node counters of
 * show_mem(); the report is not rate limited (runs must be deterministic).
 *
 * <p>Free-area reads happen under the zone lock; per-CPU counts are read as they are.
 */
final class FreeAreaReport {
    private FreeAreaReport() {
    }

    private static final char[] MT_LETTERS = {'U', 'M', 'E', 'H', 'I'};

    static ZoneStats zoneStats(BuddyZone zone, PerCpuPages[] pcps, List<ZoneType> reserveTypes) {
        long[][] blocks = new long[BuddyZone.NR_MT][zone.maxOrder + 1];
        long[] pageblocks = new long[BuddyZone.NR_MT];
        long free;
        synchronized (zone.lock) {
            free = zone.freePages();
            for (int o = 0; o <= zone.maxOrder; o++) {
                for (int mt = 0; mt < BuddyZone.NR_MT; mt++) {
                    blocks[mt][o] = zone.nrFree[o * BuddyZone.NR_MT + mt];
                }
            }
            for (byte mt : zone.blockMt) {
                pageblocks[mt]++;
            }
        }
        long[] reserve = new long[reserveTypes.size()];
        for (int k = 0; k < reserve.length; k++) {
            reserve[k] = zone.lowmemReserve[reserveTypes.get(k).ordinal()];
        }
        List<PcpStats> pcp = new ArrayList<>(pcps.length);
        for (PerCpuPages p : pcps) {
            if (p != null) {
                pcp.add(new PcpStats(p.cpu, p.count, p.high, p.batch, p.highMin, p.highMax));
            }
        }
        return new ZoneStats(zone.span, free, zone.watermark[AllocFlags.WMARK_MIN],
                zone.watermark[AllocFlags.WMARK_LOW], zone.watermark[AllocFlags.WMARK_HIGH],
                zone.watermark[AllocFlags.WMARK_PROMO], reserve, blocks, pageblocks, List.copyOf(pcp));
    }

    /** {@code warn_alloc()}'s first line: {@code "%s: page allocation failure: order:%u, mode:%#x(%pGg), nodemask=(null)"}. */
    static String failureLine(String comm, int gfp, int order) {
        String mode = gfp == 0 ? "0" : "0x" + Integer.toHexString(gfp);
        return comm + ": page allocation failure: order:" + order + ", mode:" + mode + "(" + Gfp.format(gfp)
                + "), nodemask=(null)";
    }

    /** One {@code show_free_areas()} line: {@code "Node 0 DMA: 1*4kB (U) 0*8kB ... = 4kB"}. */
    static String showFreeAreasLine(BuddyZone zone, int pageShift) {
        long[] nr = new long[zone.maxOrder + 1];
        int[] types = new int[zone.maxOrder + 1];
        synchronized (zone.lock) {
            for (int o = 0; o <= zone.maxOrder; o++) {
                for (int mt = 0; mt < BuddyZone.NR_MT; mt++) {
                    long n = zone.nrFree[o * BuddyZone.NR_MT + mt];
                    nr[o] += n;
                    if (zone.freeHead[o * BuddyZone.NR_MT + mt] != PageList.NIL) {
                        types[o] |= 1 << mt;
                    }
                }
            }
        }
        int kbShift = pageShift - 10;
        StringBuilder line = new StringBuilder("Node 0 ").append(zone.type.kernelName()).append(": ");
        long total = 0;
        for (int o = 0; o <= zone.maxOrder; o++) {
            total += nr[o] << o;
            line.append(nr[o]).append('*').append((1L << kbShift) << o).append("kB ");
            if (nr[o] != 0) {
                line.append('(');
                for (int mt = 0; mt < MigrateType.values().length; mt++) {
                    if ((types[o] & (1 << mt)) != 0) {
                        line.append(MT_LETTERS[mt]);
                    }
                }
                line.append(") ");
            }
        }
        return line.append("= ").append(total << kbShift).append("kB").toString();
    }

    /** The whole report, for zones up to gfp_zone(gfp) as {@code warn_alloc_show_mem()} limits it. */
    static void warnAlloc(KernelLog log, int cpu, int gfp, int order, BuddyZone[] zonesByType, int highestZoneIdx,
                          int pageShift) {
        log.printk(cpu, LogLevel.WARNING, failureLine(log.currentComm(cpu), gfp, order));
        for (int z = 0; z <= highestZoneIdx; z++) {
            if (zonesByType[z] != null) {
                log.printk(cpu, LogLevel.WARNING, showFreeAreasLine(zonesByType[z], pageShift));
            }
        }
    }
}
