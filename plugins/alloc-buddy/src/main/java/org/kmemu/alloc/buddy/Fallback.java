package org.kmemu.alloc.buddy;

import org.kmemu.api.MigrateType;

/**
 * {@code __rmqueue()}: takes a block of the wanted migrate type, or steals one from another type's
 * free list when the wanted lists are empty, as mm/page_alloc.c of Linux 6.10-6.14 does
 * ({@code __rmqueue_fallback}, {@code find_suitable_fallback}, {@code can_steal_fallback},
 * {@code steal_suitable_fallback}; 6.15 renamed the pieces to __rmqueue_claim/__rmqueue_steal with
 * the same claim rules).
 *
 * <h2>Rules modelled</h2>
 * <ol>
 * <li>Fallback order ({@code fallbacks[]}): UNMOVABLE → RECLAIMABLE, MOVABLE; MOVABLE → RECLAIMABLE,
 *     UNMOVABLE; RECLAIMABLE → UNMOVABLE, MOVABLE.</li>
 * <li>Search the largest order first (MAX_PAGE_ORDER down to the request, or down to pageblock_order
 *     under ALLOC_NOFRAGMENT): a large free block approximates the pageblock with most free pages.</li>
 * <li>A block may be stolen "whole" ({@code can_steal_fallback}) when its order is at least half a
 *     pageblock, or the request is UNMOVABLE or RECLAIMABLE. A MOVABLE request that may not steal
 *     whole takes the smallest fitting block instead, to spread no fragmentation.</li>
 * <li>A block of order &ge; pageblock_order is taken over outright: its pageblocks change type.</li>
 * <li>Otherwise the pageblock is claimed (all its free pages move to the new type's lists and it
 *     changes type) when free + compatible pages reach half a pageblock; compatible are allocated
 *     movable pages for a MOVABLE request, allocated non-movable pages when an UNMOVABLE or RECLAIMABLE
 *     request falls back to a MOVABLE block, none otherwise. The block must lie wholly in the zone.
 *     If not claimed, only the one block is taken and its remainder stays on the old type's lists.</li>
 * </ol>
 * "Movable" pages are those allocated with __GFP_MOVABLE (the kernel counts PageLRU/__PageMovable);
 * pages parked on per-CPU lists count as neither free nor movable, as in the kernel.
 * Not modelled: watermark boosting after a fallback, the MIGRATE_HIGHATOMIC reserve, CMA.
 *
 * <p>All methods run under the zone lock.
 */
final class Fallback {
    private Fallback() {
    }

    /** {@code fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1]}, mm/page_alloc.c. */
    private static final int[][] FALLBACKS = {
        {MigrateType.RECLAIMABLE.ordinal(), MigrateType.MOVABLE.ordinal()},
        {MigrateType.RECLAIMABLE.ordinal(), MigrateType.UNMOVABLE.ordinal()},
        {MigrateType.UNMOVABLE.ordinal(), MigrateType.MOVABLE.ordinal()},
    };

    private static final int UNMOVABLE = MigrateType.UNMOVABLE.ordinal();
    private static final int MOVABLE = MigrateType.MOVABLE.ordinal();
    private static final int RECLAIMABLE = MigrateType.RECLAIMABLE.ordinal();

    /** @return the fallback types of a request type, in the order they are tried */
    static int[] fallbacks(int mt) {
        return FALLBACKS[mt].clone();
    }

    /** {@code __rmqueue()}: the wanted type first, then a fallback. */
    static int rmqueueLocked(int cpu, BuddyZone zone, int order, int mt, int allocFlags) {
        int i = zone.rmqueueSmallestLocked(order, mt);
        if (i != PageList.NIL) {
            return i;
        }
        return rmqueueFallbackLocked(cpu, zone, order, mt, allocFlags);
    }

    /**
     * {@code __rmqueue_fallback()}: takes a block from another type's lists and reports it as
     * {@code trace_mm_page_alloc_extfrag()} does after {@code steal_suitable_fallback()}.
     */
    static int rmqueueFallbackLocked(int cpu, BuddyZone zone, int order, int startMt, int allocFlags) {
        int minOrder = order;
        if (order < zone.pageblockOrder && (allocFlags & AllocFlags.ALLOC_NOFRAGMENT) != 0) {
            minOrder = zone.pageblockOrder;
        }
        for (int current = zone.maxOrder; current >= minOrder; current--) {
            int fallbackMt = findSuitableFallback(zone, current, startMt);
            if (fallbackMt < 0) {
                continue;
            }
            boolean canSteal = canStealFallback(zone, current, startMt);
            if (!canSteal && startMt == MOVABLE && current > order) {
                // find_smallest: a movable request that cannot claim the block takes the smallest one.
                for (current = order; current <= zone.maxOrder; current++) {
                    fallbackMt = findSuitableFallback(zone, current, startMt);
                    if (fallbackMt >= 0) {
                        break;
                    }
                }
                assert current <= zone.maxOrder;
                canSteal = canStealFallback(zone, current, startMt);
            }
            int i = zone.freeHead[current * BuddyZone.NR_MT + fallbackMt];
            int got = stealSuitableFallback(zone, i, current, order, startMt, canSteal);
            // Fired after the steal with the page it returns (mm/page_alloc.c __rmqueue_fallback), so that
            // change_ownership, whether that page's pageblock now has the request's type, sees a claim
            // (include/trace/events/kmem.h, TP_fast_assign of mm_page_alloc_extfrag).
            assert got != PageList.NIL;
            zone.events.mmPageAllocExtfrag(cpu, zone.startPfn + got, order, current, zone.pageblockOrder, startMt,
                    fallbackMt, zone.pageblockMigratetype(got) == startMt);
            return got;
        }
        return PageList.NIL;
    }

    /** {@code find_suitable_fallback(only_stealable = false)}: the first fallback type with a block. */
    private static int findSuitableFallback(BuddyZone zone, int order, int mt) {
        int base = order * BuddyZone.NR_MT;
        for (int fallback : FALLBACKS[mt]) {
            if (zone.freeHead[base + fallback] != PageList.NIL) {
                return fallback;
            }
        }
        return -1;
    }

    /** {@code can_steal_fallback()}. */
    static boolean canStealFallback(BuddyZone zone, int order, int startMt) {
        return order >= zone.pageblockOrder
                || order >= zone.pageblockOrder / 2
                || startMt == RECLAIMABLE
                || startMt == UNMOVABLE;
    }

    /** {@code steal_suitable_fallback()}: takes the block at i, claiming its pageblock when allowed. */
    private static int stealSuitableFallback(BuddyZone zone, int i, int current, int order, int startMt,
                                             boolean wholeBlock) {
        int blockType = zone.pageblockMigratetype(i);
        if (blockType == MigrateType.HIGHATOMIC.ordinal()) {
            zone.delAndExpandLocked(i, order, current, blockType);
            return i;
        }
        if (current >= zone.pageblockOrder) {
            // Take ownership of whole pageblocks: change their type, then split on the new type's lists.
            zone.delFromFreeListLocked(i, current, blockType);
            zone.setPageblockRange(i, current, startMt);
            zone.expandLocked(i, order, current, startMt);
            return i;
        }
        if (wholeBlock) {
            // pageblock_start_pfn() is aligned on the absolute pfn.
            int blockStart = (int) (((zone.startPfn + i) & -(1L << zone.pageblockOrder)) - zone.startPfn);
            int blockEnd = blockStart + (1 << zone.pageblockOrder);
            if (blockStart >= 0 && blockEnd <= zone.spanned) {
                long counts = countBlock(zone, blockStart, blockEnd);
                long free = counts >>> 32;
                long movable = counts & 0xffff_ffffL;
                long alike;
                if (startMt == MOVABLE) {
                    alike = movable;
                } else if (blockType == MOVABLE) {
                    alike = (1L << zone.pageblockOrder) - (free + movable);
                } else {
                    alike = 0;
                }
                if (free + alike >= (1L << (zone.pageblockOrder - 1))) {
                    moveFreepagesBlock(zone, blockStart, blockEnd, blockType, startMt);
                    return zone.rmqueueSmallestLocked(order, startMt);
                }
            }
        }
        zone.delAndExpandLocked(i, order, current, blockType);
        return i;
    }

    /**
     * {@code prep_move_freepages_block()}'s count, packed without allocating: free pages in the high
     * 32 bits, allocated movable pages in the low 32 bits (a pageblock has at most 2^15 pages).
     */
    private static long countBlock(BuddyZone zone, int start, int end) {
        long free = 0;
        long movable = 0;
        int i = start;
        while (i < end) {
            int s = zone.state[i];
            int kind = PageState.kind(s);
            if (kind == PageState.FREE) {
                free += 1L << PageState.order(s);
                i += 1 << PageState.order(s);
            } else if (kind == PageState.ALLOCATED) {
                if (PageState.migratetype(s) == MOVABLE) {
                    movable += 1L << PageState.order(s);
                }
                i += 1 << PageState.order(s);
            } else {
                i++;
            }
        }
        return free << 32 | movable;
    }

    /** {@code __move_freepages_block()}: every free block in the pageblock to new lists; the block changes type. */
    private static void moveFreepagesBlock(BuddyZone zone, int start, int end, int oldMt, int newMt) {
        int i = start;
        while (i < end) {
            int s = zone.state[i];
            if (PageState.kind(s) == PageState.FREE) {
                int order = PageState.order(s);
                zone.moveToFreeListLocked(i, order, oldMt, newMt);
                i += 1 << order;
            } else if (PageState.kind(s) == PageState.ALLOCATED) {
                i += 1 << PageState.order(s);
            } else {
                i++;
            }
        }
        zone.setPageblockRange(start, zone.pageblockOrder, newMt);
    }
}
