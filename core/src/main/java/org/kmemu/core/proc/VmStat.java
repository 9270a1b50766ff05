package org.kmemu.core.proc;

import org.kmemu.core.fs.PageCacheStats;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.VmEvents;

/**
 * {@code /proc/vmstat} (mm/vmstat.c {@code vmstat_show}): one "name value" line per counter, in pages for the
 * {@code nr_*} state items and in events for the rest. kmemu prints the counters it keeps, in the order of
 * the kernel's {@code vmstat_text} (zone items, node items, then the vm events): the free pages, the
 * anonymous pages mapped, the page cache's file, mapped, dirty and writeback pages, and the fault counts
 * handle_mm_fault keeps ({@code pgfault}: every fault it finished, failed ones included; {@code pgmajfault}:
 * the ones that needed I/O). The kernel's other ~170 lines (LRU lists, reclaim, compaction, NUMA, THP) are
 * left out rather than printed as zeros kmemu did not count.
 */
final class VmStat {
    private VmStat() {
    }

    static String render(Machine m) {
        PageCacheStats cache = m.kernel().fs().stats();
        VmEvents events = m.kernel().memory().vmEvents();
        StringBuilder out = new StringBuilder();
        line(out, "nr_free_pages", m.nrFreePages());
        line(out, "nr_anon_pages", m.kernel().pages().nrAnonMapped());
        line(out, "nr_mapped", m.kernel().fs().nrFileMapped());
        line(out, "nr_file_pages", cache.nrFilePages());
        line(out, "nr_dirty", cache.nrFileDirty());
        line(out, "nr_writeback", cache.nrWriteback());
        line(out, "pgfault", events.sum(VmEvents.PGFAULT));
        line(out, "pgmajfault", events.sum(VmEvents.PGMAJFAULT));
        return out.toString();
    }

    private static void line(StringBuilder out, String name, long value) {
        out.append(name).append(' ').append(value).append('\n');
    }
}
