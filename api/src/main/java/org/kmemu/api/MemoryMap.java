package org.kmemu.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The machine's physical memory map, as firmware hands it to the kernel (x86's e820 table): a
 * sorted list of non-overlapping {@link MemoryRegion}s. Gaps between regions are holes: no RAM, no
 * page frames. Immutable.
 */
public final class MemoryMap {
    private final List<MemoryRegion> regions;

    /**
     * @param regions the regions in any order
     * @throws IllegalArgumentException if two regions overlap, naming both, or there is no usable RAM
     */
    public MemoryMap(List<MemoryRegion> regions) {
        List<MemoryRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingLong(MemoryRegion::start));
        for (int i = 1; i < sorted.size(); i++) {
            MemoryRegion prev = sorted.get(i - 1);
            MemoryRegion next = sorted.get(i);
            if (next.start() < prev.end()) {
                throw new IllegalArgumentException("memory regions overlap: " + prev + " and " + next);
            }
        }
        if (sorted.stream().noneMatch(r -> r.type() == RegionType.USABLE)) {
            throw new IllegalArgumentException("memory map has no usable region (expected: at least one)");
        }
        this.regions = List.copyOf(sorted);
    }

    /** @return the regions, sorted by start address */
    public List<MemoryRegion> regions() {
        return regions;
    }

    /** @return the usable regions only, sorted */
    public List<MemoryRegion> usable() {
        return regions.stream().filter(r -> r.type() == RegionType.USABLE).toList();
    }

    /** @return the total bytes of usable RAM */
    public long usableBytes() {
        long sum = 0;
        for (MemoryRegion r : regions) {
            if (r.type() == RegionType.USABLE) {
                sum += r.size();
            }
        }
        return sum;
    }

    /**
     * {@code max_pfn}: one past the last page frame of usable RAM (partial pages at the end do not count).
     *
     * @param pageShift log2 of the page size
     * @return the first pfn above all usable RAM
     */
    public long maxPfn(int pageShift) {
        long max = 0;
        for (MemoryRegion r : regions) {
            if (r.type() == RegionType.USABLE) {
                max = Math.max(max, r.end() >>> pageShift);
            }
        }
        return max;
    }

    /**
     * {@code e820__range_update()}: a copy of this map in which the parts of {@code [start, start + size)}
     * that are of type {@code from} become type {@code to}, splitting regions as needed. Other types
     * and gaps are left alone.
     *
     * @param start first address of the range
     * @param size  its length in bytes
     * @param from  the type to replace
     * @param to    the new type
     * @return the updated map
     */
    public MemoryMap update(long start, long size, RegionType from, RegionType to) {
        long end = start + size;
        List<MemoryRegion> out = new ArrayList<>();
        for (MemoryRegion r : regions) {
            long s = Math.max(r.start(), start);
            long e = Math.min(r.end(), end);
            if (r.type() != from || e <= s) {
                out.add(r);
                continue;
            }
            if (r.start() < s) {
                out.add(new MemoryRegion(r.start(), s - r.start(), from));
            }
            out.add(new MemoryRegion(s, e - s, to));
            if (e < r.end()) {
                out.add(new MemoryRegion(e, r.end() - e, from));
            }
        }
        return new MemoryMap(out);
    }

    /** @return the first address past the highest region of any type */
    public long end() {
        return regions.get(regions.size() - 1).end();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryMap m && m.regions.equals(regions);
    }

    @Override
    public int hashCode() {
        return regions.hashCode();
    }

    @Override
    public String toString() {
        return regions.toString();
    }
}
