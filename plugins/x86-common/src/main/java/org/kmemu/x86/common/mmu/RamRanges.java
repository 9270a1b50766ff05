package org.kmemu.x86.common.mmu;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * The RAM ranges {@code init_range_memory_mapping()} (arch/x86/mm/init.c) maps: memblock's memory
 * regions ({@code for_each_mem_pfn_range}, whole pages: the start rounded up, the end down), clamped to
 * a window. Neighbouring usable regions are one memblock region, so they are merged; holes (the legacy
 * window, the PCI hole, reserved and ACPI ranges) are left out.
 */
public final class RamRanges {
    private static final long PAGE_SIZE = 4096;

    private RamRanges() {
    }

    /**
     * @param map  the memory map the kernel works with
     * @param from the window's start
     * @param to   the window's end (exclusive)
     * @return {@code [start, end)} pairs, sorted, page-aligned, non-empty
     */
    public static List<long[]> within(MemoryMap map, long from, long to) {
        List<long[]> out = new ArrayList<>();
        for (MemoryRegion r : map.regions()) {
            if (r.type() != RegionType.USABLE) {
                continue;
            }
            long start = Math.max(-(-r.start() & -PAGE_SIZE), from);
            long end = Math.min(r.end() & -PAGE_SIZE, to);
            if (start >= end) {
                continue;
            }
            long[] prev = out.isEmpty() ? null : out.get(out.size() - 1);
            if (prev != null && prev[1] == start) {
                prev[1] = end;
            } else {
                out.add(new long[] {start, end});
            }
        }
        return out;
    }
}
