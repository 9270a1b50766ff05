package org.kmemu.alloc.buddy;

import org.kmemu.api.MigrateType;

/**
 * One CPU's order-0 page cache for one zone: {@code struct per_cpu_pages} (include/linux/mmzone.h)
 * with the 6.7+ auto-tuning of mm/page_alloc.c ({@code nr_pcp_alloc}, {@code nr_pcp_high},
 * {@code nr_pcp_free}).
 *
 * <h2>Algorithm</h2>
 * One LIFO list per MIGRATE_PCPTYPES type, threaded through the pages' words ({@link PcpList}). An empty
 * list is refilled under the zone lock with a batch that doubles ({@code alloc_factor}) while the CPU
 * only allocates; a free pushes onto the list and, once {@code count >= high}, returns the coldest
 * pages (list tails, round robin over the lists) to the buddy lists, more of them the longer the CPU
 * has only freed ({@code free_count}). {@code high} floats between {@code high_min} (from the low
 * watermark) and {@code high_max} (from 1/8 of the zone), growing on refills and shrinking while the
 * zone is below its high watermark (ZONE_BELOW_HIGH).
 *
 * <h2>Sizes</h2>
 * {@code zone_batchsize()}: min(managed / 1024, 1 MiB of pages) / 4, at least 1, rounded down to
 * 2^n - 1 from 1.5 times itself, and at least 1 ({@code zone_set_pageset_high_and_batch}). For the
 * 3840-page DMA zone of the /proc/zoneinfo sample: 3 / 4 = 0 → 1 → 2^0 - 1 = 0 → 1.
 * {@code zone_highsize()}: high_min = low watermark / CPUs of the node, high_max = managed / 8 / CPUs,
 * each at least 4 * batch (sample, 2 CPUs: 88 / 2 = 44, 3840 / 8 / 2 = 240).
 * {@code high} starts at 0 (BOOT_PAGESET_HIGH), as /proc/zoneinfo shows for an unused pageset, and is
 * clamped into [high_min, high_max] on first use.
 *
 * <p>Not modelled: high-order (1..3) and THP per-CPU lists, the vmstat worker's decay_pcp_high(),
 * ZONE_RECLAIM_ACTIVE (there is no reclaim).
 *
 * <p>Thread confinement: only the owning CPU's thread touches an instance (the kernel disables
 * preemption instead of locking); {@code drainAllPages} and stats read it while CPUs are quiet.
 */
final class PerCpuPages {
    final int cpu;
    /** lists[MIGRATE_PCPTYPES]: first page (zone-relative) of each list, or NIL. */
    final int[] head = new int[MigrateType.PCPTYPES];
    /** The last page (zone-relative) of each list, or NIL. */
    final int[] tail = new int[MigrateType.PCPTYPES];
    /** Pages on all lists. */
    int count;
    /** The current high mark; 0 until first used. */
    int high;
    final int batch;
    final int highMin;
    final int highMax;
    /** Pages freed since the last allocation, decayed by halving on each allocation. */
    int freeCount;
    /** log2 of the refill batch multiplier. */
    int allocFactor;
    /** CONFIG_PCP_BATCH_SCALE_MAX. */
    private final int batchScaleMax;

    PerCpuPages(int cpu, int batch, int highMin, int highMax, int batchScaleMax) {
        this.cpu = cpu;
        this.batch = batch;
        this.highMin = highMin;
        this.highMax = highMax;
        this.batchScaleMax = batchScaleMax;
        java.util.Arrays.fill(head, PageList.NIL);
        java.util.Arrays.fill(tail, PageList.NIL);
    }

    /** {@code zone_batchsize()} then {@code max(1, ...)}, mm/page_alloc.c. */
    static int zoneBatchsize(long managedPages, int pageShift) {
        long batch = Math.min(managedPages >> 10, (1L << 20) >> pageShift);
        batch /= 4; // "We effectively *= 4 below"
        if (batch < 1) {
            batch = 1;
        }
        // Clamp to 2^n - 1: a power of two was found to alias badly in caches.
        batch = Long.highestOneBit(batch + batch / 2) - 1;
        return (int) Math.max(1, batch);
    }

    /**
     * {@code zone_highsize()}: the zone's share of pages kept on one CPU's lists.
     *
     * @param totalPages the low watermark (high_min) or managed / 8 (high_max)
     * @param cpus       CPUs of the zone's node (all, on this single-node machine)
     */
    static int zoneHighsize(long totalPages, int batch, int cpus) {
        long high = totalPages / cpus;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(high, (long) batch << 2));
    }

    /** {@code nr_pcp_alloc()} for order 0: how many pages a refill takes from the buddy lists. */
    int nrPcpAlloc(BuddyZone zone) {
        int baseBatch = batch;
        high = clamp(high, highMin, highMax);
        if (high < baseBatch) {
            return 1; // pcp disabled or a boot pageset
        }
        int want = baseBatch << allocFactor;
        if (highMin != highMax && !zone.belowHigh) {
            // A larger high would have avoided going to the zone.
            high = Math.min(high + want, highMax);
        }
        int maxNrAlloc = Math.max(high - count - baseBatch, baseBatch);
        // Double the refill on each further allocation that meets an empty list without freeing.
        if (want <= maxNrAlloc && allocFactor < batchScaleMax) {
            allocFactor++;
        }
        want = Math.min(want, maxNrAlloc);
        return want > 1 ? Math.max(want, 2) : want;
    }

    /** {@code nr_pcp_high()} without free_high (order 0): the count at which a free spills a batch. */
    int nrPcpHigh(BuddyZone zone) {
        int h = clamp(high, highMin, highMax);
        high = h;
        if (h == 0) {
            return 0;
        }
        if (highMin == highMax) {
            return h;
        }
        if (zone.belowHigh) {
            int free = Math.max(freeCount, batch);
            high = Math.max(h - free, highMin);
            h = Math.max(count, highMin);
        } else if (count >= h) {
            int needHigh = freeCount + batch;
            // high should hold a batch of freed pages
            if (high < needHigh) {
                high = clamp(needHigh, highMin, highMax);
            }
        }
        return h;
    }

    /** {@code nr_pcp_free()} without free_high: how many pages a spill returns. */
    int nrPcpFree(int high) {
        if (high < batch) {
            return 1;
        }
        // Leave at least batch pages; free more the longer this CPU has only freed.
        return clamp(freeCount, batch, high - batch);
    }

    /** Counts a free for {@code free_count}, capped at {@code batch << CONFIG_PCP_BATCH_SCALE_MAX}. */
    void countFree() {
        if (freeCount < (batch << batchScaleMax)) {
            freeCount++;
        }
    }

    /** The kernel's {@code clamp(v, lo, hi)}: {@code min(max(v, lo), hi)}. */
    private static int clamp(int v, int lo, int hi) {
        return Math.min(Math.max(v, lo), hi);
    }
}
