package org.kmemu.core.proc;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PcpStats;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.machine.ZoneRange;

/**
 * /proc/zoneinfo, as mm/vmstat.c {@code zoneinfo_show_print()} prints it for every zone of node 0,
 * populated or not ({@code zoneinfo_show} walks all zones so that the effect of
 * lowmem_reserve_ratio is visible). Line by line, as in the real 6.18 sample:
 * <ul>
 *   <li>{@code "Node %d, zone %8s"};</li>
 *   <li>before the node's first populated zone only: {@code "  per-node stats"} and the node
 *       counters, {@code "      %-12s %lu"} each;</li>
 *   <li>{@code "  pages free     %lu"}, then {@code boost min low high promo spanned present managed
 *       cma}, each {@code "        %-8s %lu"}-shaped, and {@code "        protection: (a, b, ...)"}
 *       with one {@code lowmem_reserve[]} entry per zone type;</li>
 *   <li>an unpopulated zone stops there (the short form);</li>
 *   <li>the zone counters ({@code "      %-12s %lu"}), with CONFIG_NUMA the numa_* event counters;</li>
 *   <li>{@code "  pagesets"}, per CPU {@code "    cpu: %i"} and {@code count high batch high_min
 *       high_max} at 14 spaces of indent, then {@code "  vm stats threshold: %d"};</li>
 *   <li>{@code "  node_unreclaimable:  %u"} and {@code "  start_pfn:           %lu"}.</li>
 * </ul>
 *
 * <p>What is real in kmemu's numbers: pages free, the watermarks, spanned, present, managed,
 * protection (all from the page allocator's {@link ZoneStats} and boot's zone spans),
 * nr_free_pages, nr_free_pages_blocks, the pagesets ({@link ZoneStats#pcp()}; a CPU the policy
 * reports nothing for has no per-CPU list and prints zeros), the vm stats threshold and start_pfn.
 * boost and cma are genuinely 0 (no watermark boosting, no CMA). Every other counter, node or zone,
 * counts something kmemu does not model yet (anonymous and file pages, LRU lists, slab, kernel stacks,
 * page tables, reclaim, NUMA events) and so is genuinely 0 in the emulated machine.
 *
 * <p>ZONE_MOVABLE is configured on every kernel but boot leaves it empty, so it is printed in the
 * short form after the architecture's zones. ZONE_DEVICE, which a kernel with CONFIG_ZONE_DEVICE also
 * prints, is not modelled.
 */
final class ZoneInfo {
    /** The node counters in node_stat_item order, as the 6.18 sample names them (mm/vmstat.c vmstat_text). */
    private static final String[] NODE_STATS_HEAD = {
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file",
        "workingset_nodes", "workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon",
        "workingset_activate_file", "workingset_restore_anon", "workingset_restore_file",
        "workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
        "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped",
        "nr_anon_transparent_hugepages", "nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied",
        "nr_written", "nr_throttled_written", "nr_kernel_misc_reclaimable", "nr_foll_pin_acquired",
        "nr_foll_pin_released", "nr_kernel_stack", "nr_page_table_pages", "nr_sec_page_table_pages",
        "nr_iommu_pages", "nr_swapcached",
    };
    /** CONFIG_NUMA_BALANCING node counters. */
    private static final String[] NODE_STATS_NUMA_BALANCING = {
        "pgpromote_success", "pgpromote_candidate", "pgpromote_candidate_nrl",
    };
    private static final String[] NODE_STATS_DEMOTE = {
        "pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged", "pgdemote_proactive",
    };
    /** CONFIG_HUGETLB_PAGE node counter. */
    private static final String NODE_STAT_HUGETLB = "nr_hugetlb";
    private static final String[] NODE_STATS_TAIL = {"nr_balloon_pages", "nr_kernel_file_pages"};

    /** The zone counters after nr_free_pages and nr_free_pages_blocks, in zone_stat_item order. */
    private static final String[] ZONE_STATS_ZERO = {
        "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
        "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", "nr_zspages", "nr_free_cma",
    };
    /** CONFIG_NUMA event counters (numa_stat_item). */
    private static final String[] NUMA_EVENTS = {
        "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
    };

    /** SWAP_CLUSTER_MAX: the floor of a highmem zone's min watermark (mm/page_alloc.c __setup_per_zone_wmarks). */
    static final long SWAP_CLUSTER_MAX = 32;

    private ZoneInfo() {
    }

    /**
     * @param m a booted machine
     * @return the file's text
     */
    static String render(Machine m) {
        KernelConfig cfg = KernelConfig.of(m);
        List<ZoneRange> zones = allZones(m);
        StringBuilder out = new StringBuilder();
        List<ZoneStats> stats = new ArrayList<>();
        int protectionEntries = -1;
        for (ZoneRange z : zones) {
            ZoneStats s = z.populated() ? m.pageAllocator().zoneStats(z.type()) : null;
            if (s != null && protectionEntries < 0) {
                protectionEntries = s.lowmemReserve().length;
            }
            stats.add(s);
        }
        if (protectionEntries < 0) {
            protectionEntries = zones.size();
        }
        boolean nodeStatsDone = false;
        for (int i = 0; i < zones.size(); i++) {
            ZoneRange z = zones.get(i);
            out.append(String.format("Node %d, zone %8s", 0, z.type().kernelName()));
            if (stats.get(i) == null) {
                unpopulated(out, z, protectionEntries);
                continue;
            }
            if (!nodeStatsDone) {
                nodeStats(out, cfg);
                nodeStatsDone = true;
            }
            populated(out, m, cfg, stats.get(i));
        }
        return out.toString();
    }

    /** Machine.zones() plus the empty ZONE_MOVABLE every kernel configures. */
    static List<ZoneRange> allZones(Machine m) {
        List<ZoneRange> zones = new ArrayList<>(m.zones());
        if (!m.hasZone(ZoneType.MOVABLE)) {
            zones.add(new ZoneRange(ZoneType.MOVABLE, 0, 0, null));
        }
        return zones;
    }

    private static void nodeStats(StringBuilder out, KernelConfig cfg) {
        out.append("\n  per-node stats");
        List<String> names = new ArrayList<>(List.of(NODE_STATS_HEAD));
        if (cfg.numa()) {
            names.addAll(List.of(NODE_STATS_NUMA_BALANCING));
        }
        names.addAll(List.of(NODE_STATS_DEMOTE));
        if (cfg.x86()) {
            names.add(NODE_STAT_HUGETLB);
        }
        names.addAll(List.of(NODE_STATS_TAIL));
        for (String name : names) {
            counter(out, name, 0);
        }
    }

    private static void counter(StringBuilder out, String name, long value) {
        out.append(String.format("\n      %-12s %d", name, value));
    }

    private static void header(StringBuilder out, long free, long min, long low, long high, long promo,
                               long spanned, long present, long managed, long[] protection) {
        out.append(String.format("\n  pages free     %d", free))
                .append(String.format("\n        boost    %d", 0))
                .append(String.format("\n        min      %d", min))
                .append(String.format("\n        low      %d", low))
                .append(String.format("\n        high     %d", high))
                .append(String.format("\n        promo    %d", promo))
                .append(String.format("\n        spanned  %d", spanned))
                .append(String.format("\n        present  %d", present))
                .append(String.format("\n        managed  %d", managed))
                .append(String.format("\n        cma      %d", 0));
        out.append("\n        protection: (");
        for (int i = 0; i < protection.length; i++) {
            out.append(i == 0 ? "" : ", ").append(protection[i]);
        }
        out.append(')');
    }

    /**
     * The short form. An unpopulated zone has no managed pages, so mm/page_alloc.c gives it
     * watermarks of 0, except that a highmem or movable zone's min is clamped up to SWAP_CLUSTER_MAX;
     * its lowmem_reserve entries are all 0 because it has nothing to protect. It prints as many of
     * them as a populated zone does.
     */
    private static void unpopulated(StringBuilder out, ZoneRange z, int protectionEntries) {
        long wmark = z.type().isHighmem() ? SWAP_CLUSTER_MAX : 0;
        long spanned = z.span() == null ? 0 : z.span().spannedPages();
        header(out, 0, wmark, wmark, wmark, wmark, spanned, 0, 0, new long[protectionEntries]);
        out.append('\n');
    }

    private static void populated(StringBuilder out, Machine m, KernelConfig cfg, ZoneStats s) {
        ZoneSpan span = s.zone();
        header(out, s.freePages(), s.watermarkMin(), s.watermarkLow(), s.watermarkHigh(), s.watermarkPromo(),
                span.spannedPages(), span.presentPages(), span.managedPages(), s.lowmemReserve());
        counter(out, "nr_free_pages", s.freePages());
        counter(out, "nr_free_pages_blocks", freePagesBlocks(s, m.pageAllocator()));
        for (String name : ZONE_STATS_ZERO) {
            counter(out, name, 0);
        }
        if (cfg.numa()) {
            for (String name : NUMA_EVENTS) {
                counter(out, name, 0);
            }
        }
        out.append("\n  pagesets");
        int threshold = normalThreshold(m.cpus(), span.managedPages(), m.pageShift());
        for (int cpu = 0; cpu < m.cpus(); cpu++) {
            PcpStats p = pcpOf(s, cpu);
            out.append(String.format("\n    cpu: %d", cpu))
                    .append(String.format("\n              count:    %d", p.count()))
                    .append(String.format("\n              high:     %d", p.high()))
                    .append(String.format("\n              batch:    %d", p.batch()))
                    .append(String.format("\n              high_min: %d", p.highMin()))
                    .append(String.format("\n              high_max: %d", p.highMax()))
                    .append(String.format("\n  vm stats threshold: %d", threshold));
        }
        out.append(String.format("\n  node_unreclaimable:  %d", 0))
                .append(String.format("\n  start_pfn:           %d", span.startPfn()))
                .append('\n');
    }

    private static PcpStats pcpOf(ZoneStats s, int cpu) {
        for (PcpStats p : s.pcp()) {
            if (p.cpu() == cpu) {
                return p;
            }
        }
        return new PcpStats(cpu, 0, 0, 0, 0, 0);
    }

    /**
     * NR_FREE_PAGES_BLOCKS (6.15+): the free pages that sit in blocks of pageblock_order or more, on any
     * list but MIGRATE_ISOLATE; mm/page_alloc.c {@code __add_to_free_list()} adds a block's pages to it
     * exactly then.
     */
    static long freePagesBlocks(ZoneStats s, PageAllocator pa) {
        long pages = 0;
        for (MigrateType t : MigrateType.values()) {
            if (t == MigrateType.ISOLATE) {
                continue;
            }
            for (int order = pa.pageblockOrder(); order <= pa.maxOrder(); order++) {
                pages += s.freeBlocks()[t.ordinal()][order] << order;
            }
        }
        return pages;
    }

    /**
     * mm/vmstat.c {@code calculate_normal_threshold()}: the per-CPU vmstat drift allowed before a
     * counter is folded into the zone, {@code 2 * fls(cpus) * (1 + fls(managed in 128 MiB units))},
     * at most 125. Two CPUs and a zone under 128 MiB give 4, as in the sample's DMA zone.
     *
     * @param cpus         online CPUs
     * @param managedPages the zone's managed pages
     * @param pageShift    PAGE_SHIFT
     * @return the threshold
     */
    static int normalThreshold(int cpus, long managedPages, int pageShift) {
        long mem = managedPages >> (27 - pageShift);
        int threshold = 2 * fls(cpus) * (1 + fls(mem));
        return Math.min(125, threshold);
    }

    /** The kernel's fls(): the 1-based index of the highest set bit, 0 for 0. */
    private static int fls(long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }
}
