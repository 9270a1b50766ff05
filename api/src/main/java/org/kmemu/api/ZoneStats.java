package org.kmemu.api;

import java.util.List;

/**
 * A snapshot of one zone's free memory, for /proc/buddyinfo, /proc/pagetypeinfo and /proc/zoneinfo.
 * Taken under the zone lock, so its counts agree with each other. The arrays are the snapshot's own:
 * callers must not modify them.
 *
 * @param zone           the zone's boot-time span
 * @param freePages      NR_FREE_PAGES: pages in the free areas; as in Linux, pages parked on per-CPU
 *                       lists count as allocated, not free
 * @param watermarkMin   WMARK_MIN in pages
 * @param watermarkLow   WMARK_LOW in pages
 * @param watermarkHigh  WMARK_HIGH in pages
 * @param watermarkPromo WMARK_PROMO in pages (6.x)
 * @param lowmemReserve  {@code lowmem_reserve[]} in pages, one entry per zone type from the lowest
 *                       configured one up to and including ZONE_MOVABLE, as "protection:" prints them
 * @param freeBlocks     {@code free_area[order].free_list[mt]} lengths: indexed [migratetype ordinal][order]
 * @param pageblocks     how many pageblocks carry each migrate type, indexed by migratetype ordinal
 * @param pcp            the per-CPU lists, one per CPU (empty if the policy has none)
 */
public record ZoneStats(ZoneSpan zone, long freePages, long watermarkMin, long watermarkLow,
                        long watermarkHigh, long watermarkPromo, long[] lowmemReserve,
                        long[][] freeBlocks, long[] pageblocks, List<PcpStats> pcp) {

    /**
     * @param order a block order
     * @return {@code free_area[order].nr_free}: free blocks of that order over all migrate types
     */
    public long nrFree(int order) {
        long sum = 0;
        for (long[] perOrder : freeBlocks) {
            sum += perOrder[order];
        }
        return sum;
    }
}
