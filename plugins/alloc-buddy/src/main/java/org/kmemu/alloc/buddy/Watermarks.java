package org.kmemu.alloc.buddy;

import java.util.List;
import org.kmemu.api.ZoneType;

/**
 * The zone watermarks and lowmem reserves, and the check an allocation makes against them.
 *
 * <h2>Setup (mm/page_alloc.c, Linux 6.x)</h2>
 * <ul>
 * <li>{@code calculate_min_free_kbytes()}: min_free_kbytes = int_sqrt(lowmem_kbytes * 16) clamped to
 *     [128, 262144], lowmem being the managed pages of zones up to ZONE_NORMAL (nr_free_buffer_pages()
 *     at boot, when the high watermarks are still 0).</li>
 * <li>{@code __setup_per_zone_wmarks()}: pages_min = min_free_kbytes &gt;&gt; (PAGE_SHIFT - 10); a lowmem
 *     zone's share is tmp = pages_min * managed / lowmem_pages and its WMARK_MIN is tmp; a highmem or
 *     movable zone's WMARK_MIN is clamp(managed / 1024, SWAP_CLUSTER_MAX = 32, 128). Then
 *     gap = max(tmp / 4, mult_frac(managed, watermark_scale_factor, 10000)), LOW = MIN + gap,
 *     HIGH = LOW + gap, PROMO = HIGH + gap.</li>
 * <li>{@code setup_per_zone_lowmem_reserve()}: for zone i and each higher zone j,
 *     lowmem_reserve[j] = (managed pages of zones i+1..j) / lowmem_reserve_ratio[i]; 0 when the ratio
 *     is 0 or zone i manages no pages.</li>
 * </ul>
 * Worked example (/proc/zoneinfo of a 6.18 x86_64 box whose khugepaged raised min_free_kbytes to
 * 67584): DMA managed 3840, lowmem 907,6xx pages, pages_min 16896, DMA share 71 = min; gap
 * max(17, 3) = 17, so low 88, high 105, promo 122.
 *
 * <h2>Check ({@code __zone_watermark_ok}, {@code zone_watermark_fast})</h2>
 * free - (2^order - 1) must exceed min + lowmem_reserve[highest_zoneidx], where min is the mark
 * halved for ALLOC_MIN_RESERVE (__GFP_HIGH), cut by a further quarter for ALLOC_NON_BLOCK, halved
 * again for ALLOC_OOM; a request of order &gt; 0 also needs a free block of at least its order on a
 * MIGRATE_PCPTYPES list (or HIGHATOMIC, for atomic and OOM callers). No pages are reserved as
 * highatomic and there is no CMA, so nothing else is unusable.
 */
final class Watermarks {
    private Watermarks() {
    }

    /** SWAP_CLUSTER_MAX, include/linux/swap.h. */
    private static final long SWAP_CLUSTER_MAX = 32;

    /** {@code calculate_min_free_kbytes()} for these zones. */
    static long autoMinFreeKbytes(List<BuddyZone> zones, int pageShift) {
        long lowmemPages = 0;
        for (BuddyZone zone : zones) {
            if (zone.typeIndex <= ZoneType.NORMAL.ordinal()) {
                lowmemPages += zone.span.managedPages();
            }
        }
        long lowmemKbytes = lowmemPages << (pageShift - 10);
        long kbytes = intSqrt(lowmemKbytes * 16);
        return Math.max(128, Math.min(262144, kbytes));
    }

    /** {@code int_sqrt()}: the floor of the square root. */
    static long intSqrt(long x) {
        long r = (long) Math.sqrt((double) x);
        while (r * r > x) {
            r--;
        }
        while ((r + 1) * (r + 1) <= x) {
            r++;
        }
        return r;
    }

    /** {@code mult_frac(x, numer, denom)} without overflow of x * numer. */
    static long multFrac(long x, long numer, long denom) {
        return (x / denom) * numer + ((x % denom) * numer) / denom;
    }

    /** {@code __setup_per_zone_wmarks()}: fills every zone's watermark[]. */
    static void setupPerZoneWmarks(List<BuddyZone> zones, long minFreeKbytes, int scaleFactor, int pageShift) {
        long pagesMin = minFreeKbytes >> (pageShift - 10);
        long lowmemPages = 0;
        for (BuddyZone zone : zones) {
            if (!zone.type.isHighmem()) {
                lowmemPages += zone.span.managedPages();
            }
        }
        for (BuddyZone zone : zones) {
            long managed = zone.span.managedPages();
            long tmp = lowmemPages == 0 ? 0 : pagesMin * managed / lowmemPages;
            long min;
            if (zone.type.isHighmem()) {
                // __GFP_HIGH and PF_MEMALLOC allocations rarely need highmem: cap min to a small value.
                min = Math.max(SWAP_CLUSTER_MAX, Math.min(128, managed / 1024));
            } else {
                min = tmp;
            }
            long gap = Math.max(tmp >> 2, multFrac(managed, scaleFactor, 10000));
            zone.watermark[AllocFlags.WMARK_MIN] = min;
            zone.watermark[AllocFlags.WMARK_LOW] = min + gap;
            zone.watermark[AllocFlags.WMARK_HIGH] = min + 2 * gap;
            zone.watermark[AllocFlags.WMARK_PROMO] = min + 3 * gap;
        }
    }

    /** {@code setup_per_zone_lowmem_reserve()}: fills every zone's lowmemReserve[] (by ZoneType ordinal). */
    static void setupPerZoneLowmemReserve(List<BuddyZone> zones, int[] ratio) {
        int nrTypes = ZoneType.values().length;
        long[] managed = new long[nrTypes];
        for (BuddyZone zone : zones) {
            managed[zone.typeIndex] = zone.span.managedPages();
        }
        for (BuddyZone zone : zones) {
            int i = zone.typeIndex;
            boolean clear = ratio[i] == 0 || managed[i] == 0;
            long upper = 0;
            for (int j = i + 1; j < nrTypes; j++) {
                upper += managed[j];
                zone.lowmemReserve[j] = clear ? 0 : upper / ratio[i];
            }
        }
    }

    /** {@code __zone_watermark_ok()} with the zone's current NR_FREE_PAGES. */
    static boolean zoneWatermarkOk(BuddyZone zone, int order, long mark, int highestZoneIdx, int allocFlags) {
        long free = zone.freePages() - ((1L << order) - 1);
        long min = mark;
        if ((allocFlags & AllocFlags.ALLOC_RESERVES) != 0) {
            if ((allocFlags & AllocFlags.ALLOC_MIN_RESERVE) != 0) {
                min -= min / 2;
                if ((allocFlags & AllocFlags.ALLOC_NON_BLOCK) != 0) {
                    min -= min / 4;
                }
            }
            if ((allocFlags & AllocFlags.ALLOC_OOM) != 0) {
                min -= min / 2;
            }
        }
        if (free <= min + zone.lowmemReserve[highestZoneIdx]) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        return zone.hasFreeBlockAtOrAbove(order,
                (allocFlags & (AllocFlags.ALLOC_HIGHATOMIC | AllocFlags.ALLOC_OOM)) != 0);
    }

    /** {@code zone_watermark_fast()}: the order-0 shortcut, then the full check. */
    static boolean zoneWatermarkFast(BuddyZone zone, int order, long mark, int highestZoneIdx, int allocFlags) {
        if (order == 0 && zone.freePages() > mark + zone.lowmemReserve[highestZoneIdx]) {
            return true;
        }
        return zoneWatermarkOk(zone, order, mark, highestZoneIdx, allocFlags);
    }
}
