package org.kmemu.core.proc;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.machine.Machine;

/**
 * /proc/pagetypeinfo, as mm/vmstat.c {@code pagetypeinfo_show()} prints it for node 0:
 * <ol>
 *   <li>{@code "Page block order: %d"}, {@code "Pages per block:  %lu"} (two spaces) and a blank line;</li>
 *   <li>{@code pagetypeinfo_showfree()}: the header {@code "%-43s "} "Free pages count per migrate
 *       type at order" plus {@code "%6d "} per order, then per populated zone and migrate type
 *       {@code "Node %4d, zone %8s, type %12s "} plus {@code "%6lu "} per order (a count the kernel
 *       stops at 100000 is printed {@code ">%6lu "});</li>
 *   <li>{@code pagetypeinfo_showblockcount()}: a blank line, {@code "%-23s"} "Number of blocks type "
 *       plus {@code "%12s "} per migrate type, then per zone {@code "Node %d, zone %8s "} plus
 *       {@code "%12lu "} per type.</li>
 * </ol>
 * The migrate types are {@link MigrateType}'s, which match the real sample's kernel (no CMA).
 * "Number of mixed blocks" needs CONFIG_PAGE_OWNER and is not printed.
 */
final class PageTypeInfo {
    /** The kernel stops counting a free list at this length (pagetypeinfo_showfree_print). */
    static final long COUNT_CAP = 100000;

    private PageTypeInfo() {
    }

    /**
     * @param m a booted machine
     * @return the file's text
     */
    static String render(Machine m) {
        PageAllocator pa = m.pageAllocator();
        MigrateType[] types = MigrateType.values();
        List<ZoneStats> stats = new ArrayList<>();
        for (ZoneSpan z : m.populatedZones()) {
            stats.add(pa.zoneStats(z.type()));
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("Page block order: %d\n", pa.pageblockOrder()));
        out.append(String.format("Pages per block:  %d\n", 1L << pa.pageblockOrder()));
        out.append('\n');
        out.append(String.format("%-43s ", "Free pages count per migrate type at order"));
        for (int order = 0; order <= pa.maxOrder(); order++) {
            out.append(String.format("%6d ", order));
        }
        out.append('\n');
        for (ZoneStats s : stats) {
            for (MigrateType t : types) {
                out.append(String.format("Node %4d, zone %8s, type %12s ", 0, s.zone().type().kernelName(), t.kernelName()));
                for (int order = 0; order <= pa.maxOrder(); order++) {
                    long n = s.freeBlocks()[t.ordinal()][order];
                    out.append(n >= COUNT_CAP ? String.format(">%6d ", COUNT_CAP) : String.format("%6d ", n));
                }
                out.append('\n');
            }
        }
        out.append(String.format("\n%-23s", "Number of blocks type "));
        for (MigrateType t : types) {
            out.append(String.format("%12s ", t.kernelName()));
        }
        out.append('\n');
        for (ZoneStats s : stats) {
            out.append(String.format("Node %d, zone %8s ", 0, s.zone().type().kernelName()));
            for (MigrateType t : types) {
                out.append(String.format("%12d ", s.pageblocks()[t.ordinal()]));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
