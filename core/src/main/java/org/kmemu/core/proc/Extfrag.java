package org.kmemu.core.proc;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.machine.Machine;

/**
 * The buddy allocator's external fragmentation as the kernel measures it for compaction (mm/vmstat.c,
 * CONFIG_DEBUG_FS and CONFIG_COMPACTION), per zone and order, from the zone's free block counts:
 * <ul>
 *   <li>the <b>unusable free space index</b> ({@code unusable_free_index()}): the share of free
 *       pages that lie in blocks too small for an allocation of the order, 0 (none) to 1 (all); 1 when
 *       there are no free pages at all;</li>
 *   <li>the <b>fragmentation index</b> ({@code __fragmentation_index()}, Mel Gorman's, 2010): for an
 *       order no free block can satisfy, towards 0 when the failure is for lack of memory, towards 1
 *       when it is for lack of contiguity; -1 when a block of the order is free (the allocation would
 *       succeed), 0 when nothing is free.</li>
 * </ul>
 * Both are the kernel's integer thousandths, so the same free lists give the same digits. The debugfs
 * files {@code extfrag/unusable_index} and {@code extfrag/extfrag_index} print them per populated zone.
 */
public final class Extfrag {
    private Extfrag() {
    }

    /**
     * {@code struct contig_page_info} as {@code fill_contig_page_info()} fills it.
     *
     * @param freePages          free base pages
     * @param freeBlocksTotal    free blocks of any order
     * @param freeBlocksSuitable free blocks of the order, counting a larger block as the order's blocks it holds
     */
    record ContigPageInfo(long freePages, long freeBlocksTotal, long freeBlocksSuitable) {
        static ContigPageInfo of(long[] nrFreeByOrder, int suitableOrder) {
            long pages = 0;
            long total = 0;
            long suitable = 0;
            for (int order = 0; order < nrFreeByOrder.length; order++) {
                long blocks = nrFreeByOrder[order];
                total += blocks;
                pages += blocks << order;
                if (order >= suitableOrder) {
                    suitable += blocks << (order - suitableOrder);
                }
            }
            return new ContigPageInfo(pages, total, suitable);
        }
    }

    /**
     * @param nrFreeByOrder {@code free_area[order].nr_free} for each order
     * @param order         the allocation's order
     * @return {@code unusable_free_index()}: thousandths, 0..1000
     */
    public static int unusableFreeIndex(long[] nrFreeByOrder, int order) {
        ContigPageInfo info = ContigPageInfo.of(nrFreeByOrder, order);
        if (info.freePages() == 0) {
            return 1000;
        }
        return (int) ((info.freePages() - (info.freeBlocksSuitable() << order)) * 1000 / info.freePages());
    }

    /**
     * @param nrFreeByOrder {@code free_area[order].nr_free} for each order
     * @param order         the allocation's order
     * @return {@code __fragmentation_index()}: thousandths, -1000 or 0..1000
     */
    public static int fragmentationIndex(long[] nrFreeByOrder, int order) {
        ContigPageInfo info = ContigPageInfo.of(nrFreeByOrder, order);
        if (info.freeBlocksTotal() == 0) {
            return 0;
        }
        if (info.freeBlocksSuitable() != 0) {
            return -1000;
        }
        long requested = 1L << order;
        return (int) (1000 - (1000 + info.freePages() * 1000 / requested) / info.freeBlocksTotal());
    }

    /**
     * @param m a booted machine
     * @return {@code /sys/kernel/debug/extfrag/unusable_index}: {@code unusable_show_print()}'s
     *         {@code "Node %d, zone %8s "} and {@code "%d.%03d "} per order
     */
    static String renderUnusableIndex(Machine m) {
        return render(m, false);
    }

    /**
     * @param m a booted machine
     * @return {@code /sys/kernel/debug/extfrag/extfrag_index}: {@code extfrag_show_print()}'s
     *         {@code "%2d.%03d "} per order (so -1.000 where a block is free)
     */
    static String renderExtfragIndex(Machine m) {
        return render(m, true);
    }

    private static String render(Machine m, boolean extfrag) {
        PageAllocator pa = m.pageAllocator();
        StringBuilder out = new StringBuilder();
        for (ZoneSpan z : m.populatedZones()) {
            long[] nrFree = nrFree(pa.zoneStats(z.type()), pa.maxOrder());
            out.append(String.format("Node %d, zone %8s ", 0, z.type().kernelName()));
            for (int order = 0; order <= pa.maxOrder(); order++) {
                int index = extfrag ? fragmentationIndex(nrFree, order) : unusableFreeIndex(nrFree, order);
                // C's / and % truncate towards zero, as Java's do: -1000 prints "-1.000".
                out.append(String.format(extfrag ? "%2d.%03d " : "%d.%03d ", index / 1000, Math.abs(index % 1000)));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * @param s        a zone's statistics
     * @param maxOrder the allocator's largest order
     * @return {@code free_area[order].nr_free} for orders 0..maxOrder
     */
    public static long[] nrFree(ZoneStats s, int maxOrder) {
        long[] out = new long[maxOrder + 1];
        for (int order = 0; order <= maxOrder; order++) {
            out[order] = s.nrFree(order);
        }
        return out;
    }
}
