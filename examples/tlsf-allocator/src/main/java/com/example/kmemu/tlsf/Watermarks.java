package com.example.kmemu.tlsf;

import java.util.List;
import org.kmemu.api.ZoneType;

/**
 * The zone watermarks and lowmem reserves every Linux page allocator keeps, whatever its free-list
 * structure: they decide when a zone is too low to serve an allocation, and so when allocations fall
 * back to a lower zone or fail. The numbers follow mm/page_alloc.c ({@code calculate_min_free_kbytes},
 * {@code __setup_per_zone_wmarks}, {@code setup_per_zone_lowmem_reserve}, {@code __zone_watermark_ok}),
 * so a TLSF machine reports the same watermarks in /proc/zoneinfo as a buddy machine of the same shape.
 */
final class Watermarks {
    private Watermarks() {
    }

    /** {@code enum zone_watermarks} (include/linux/mmzone.h). */
    static final int WMARK_MIN = 0;
    static final int WMARK_LOW = 1;
    static final int WMARK_HIGH = 2;
    static final int WMARK_PROMO = 3;
    static final int NR_WMARK = 4;

    /** SWAP_CLUSTER_MAX (include/linux/swap.h): the smallest highmem min watermark. */
    private static final long SWAP_CLUSTER_MAX = 32;

    /**
     * {@code calculate_min_free_kbytes()}: int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144].
     *
     * @param zones     the populated zones
     * @param pageShift PAGE_SHIFT
     * @return vm.min_free_kbytes
     */
    static long autoMinFreeKbytes(List<TlsfZone> zones, int pageShift) {
        long lowmemPages = 0;
        for (TlsfZone zone : zones) {
            // nr_free_buffer_pages(): managed pages of the zones up to ZONE_NORMAL (high marks are 0 at init).
            if (zone.typeIndex <= ZoneType.NORMAL.ordinal()) {
                lowmemPages += zone.span.managedPages();
            }
        }
        long kbytes = intSqrt((lowmemPages << (pageShift - 10)) * 16);
        return Math.max(128, Math.min(262144, kbytes));
    }

    /** {@code int_sqrt()}: floor of the square root. */
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

    /**
     * {@code __setup_per_zone_wmarks()}: min is the zone's share of min_free_kbytes by managed pages
     * among lowmem zones (highmem gets managed/1024 clamped to [32, 128]); each next mark adds
     * max(min/4, managed * scale / 10000).
     *
     * @param zones         the populated zones
     * @param minFreeKbytes vm.min_free_kbytes
     * @param scaleFactor   vm.watermark_scale_factor
     * @param pageShift     PAGE_SHIFT
     */
    static void setupPerZoneWmarks(List<TlsfZone> zones, long minFreeKbytes, int scaleFactor, int pageShift) {
        long pagesMin = minFreeKbytes >> (pageShift - 10);
        long lowmemPages = 0;
        for (TlsfZone zone : zones) {
            if (!zone.type.isHighmem()) {
                lowmemPages += zone.span.managedPages();
            }
        }
        for (TlsfZone zone : zones) {
            long managed = zone.span.managedPages();
            long share = lowmemPages == 0 ? 0 : pagesMin * managed / lowmemPages;
            long min = zone.type.isHighmem() ? Math.max(SWAP_CLUSTER_MAX, Math.min(128, managed / 1024)) : share;
            long gap = Math.max(share >> 2, (managed / 10000) * scaleFactor + (managed % 10000) * scaleFactor / 10000);
            zone.watermark[WMARK_MIN] = min;
            zone.watermark[WMARK_LOW] = min + gap;
            zone.watermark[WMARK_HIGH] = min + 2 * gap;
            zone.watermark[WMARK_PROMO] = min + 3 * gap;
        }
    }

    /**
     * {@code setup_per_zone_lowmem_reserve()}: zone i keeps back, from allocations that could have used
     * zone j above it, the managed pages of zones i+1..j divided by zone i's ratio.
     *
     * @param zones the populated zones
     * @param ratio vm.lowmem_reserve_ratio by ZoneType ordinal (0 = none)
     */
    static void setupPerZoneLowmemReserve(List<TlsfZone> zones, int[] ratio) {
        int nrTypes = ZoneType.values().length;
        long[] managed = new long[nrTypes];
        for (TlsfZone zone : zones) {
            managed[zone.typeIndex] = zone.span.managedPages();
        }
        for (TlsfZone zone : zones) {
            int i = zone.typeIndex;
            long upper = 0;
            for (int j = i + 1; j < nrTypes; j++) {
                upper += managed[j];
                zone.lowmemReserve[j] = ratio[i] == 0 ? 0 : upper / ratio[i];
            }
        }
    }

    /**
     * {@code __zone_watermark_ok()} on the page count alone: after the allocation, the zone must keep
     * more than the mark plus the reserve for the allocation's highest zone. (The kernel then also
     * checks its free lists for a block of the order; TLSF's own search answers that.)
     *
     * @param zone           the candidate zone
     * @param order          the request's order
     * @param mark           the watermark in pages, already cut for reserves
     * @param highestZoneIdx gfp_zone() of the request, as a ZoneType ordinal
     * @return whether the zone may serve the request
     */
    static boolean ok(TlsfZone zone, int order, long mark, int highestZoneIdx) {
        long free = zone.freePages() - ((1L << order) - 1);
        return free > mark + zone.lowmemReserve[highestZoneIdx];
    }
}
