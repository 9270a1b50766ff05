package org.kmemu.core.proc;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.machine.Machine;

/**
 * /proc/buddyinfo, as mm/vmstat.c {@code frag_show_print()} prints it: one line per populated zone,
 * {@code "Node %d, zone %8s "} followed by {@code "%6lu "} for {@code free_area[order].nr_free} of
 * every order 0..MAX_PAGE_ORDER, so each line ends with a space before the newline.
 */
final class BuddyInfo {
    private BuddyInfo() {
    }

    /**
     * @param m a booted machine
     * @return the file's text
     */
    static String render(Machine m) {
        PageAllocator pa = m.pageAllocator();
        StringBuilder out = new StringBuilder();
        for (ZoneSpan z : m.populatedZones()) {
            ZoneStats s = pa.zoneStats(z.type());
            out.append(String.format("Node %d, zone %8s ", 0, z.type().kernelName()));
            for (int order = 0; order <= pa.maxOrder(); order++) {
                out.append(String.format("%6d ", s.nrFree(order)));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
