package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;

/**
 * Works out the zones of the (single) node the way mm/mm_init.c {@code free_area_init()} does:
 * <ol>
 *   <li>zone ranges: the first zone starts at the lowest pfn of RAM
 *       ({@code find_min_pfn_with_active_regions}); each zone ends at the architecture's
 *       {@code max_zone_pfn} (but never before it starts) and the next one starts there;</li>
 *   <li>spans: each range clamped to the node's [first RAM pfn, last RAM pfn + 1), so a zone spans
 *       from its first possible pfn and holes inside it count as spanned but not present;</li>
 *   <li>present: RAM pages in the span; managed: the present pages boot frees (not reserved).</li>
 * </ol>
 * ZONE_MOVABLE stays empty (no {@code kernelcore=}/{@code movablecore=}), as on a default kernel.
 */
final class ZoneSetup {
    private ZoneSetup() {
    }

    /**
     * @param arch      the architecture
     * @param layout    its layout for this machine
     * @param memory    RAM in pfn ranges {start, end}, sorted
     * @param freePages free (not reserved) RAM in pfn ranges, sorted
     * @return every configured zone, lowest first, populated or not
     */
    static List<ZoneRange> zones(ArchSpec arch, KernelLayout layout, List<long[]> memory, List<long[]> freePages) {
        long nodeStart = memory.get(0)[0];
        long nodeEnd = memory.get(memory.size() - 1)[1];
        List<ZoneRange> out = new ArrayList<>();
        long start = nodeStart;
        for (ZoneType type : ZoneType.values()) {
            if (type == ZoneType.MOVABLE || !arch.zoneTypes().contains(type)) {
                continue;
            }
            long end = Math.max(arch.maxZonePfn(type, layout), start);
            long spanStart = Math.max(start, nodeStart);
            long spanEnd = Math.min(end, nodeEnd);
            ZoneSpan span = null;
            if (spanEnd > spanStart) {
                long present = overlap(memory, spanStart, spanEnd);
                if (present > 0) {
                    span = new ZoneSpan(type, spanStart, spanEnd - spanStart, present, overlap(freePages, spanStart, spanEnd));
                }
            }
            out.add(new ZoneRange(type, start, end, span));
            start = end;
        }
        return out;
    }

    /** @return how many pfns of {@code ranges} fall in [start, end) */
    static long overlap(List<long[]> ranges, long start, long end) {
        long n = 0;
        for (long[] r : ranges) {
            long s = Math.max(r[0], start);
            long e = Math.min(r[1], end);
            if (e > s) {
                n += e - s;
            }
        }
        return n;
    }
}
