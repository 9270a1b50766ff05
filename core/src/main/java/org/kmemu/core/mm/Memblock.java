package org.kmemu.core.mm;

import java.util.ArrayList;
import java.util.List;

/**
 * The boot-time memory manager, as mm/memblock.c: two sorted lists of physical ranges, the RAM the
 * firmware reported ({@code memory}) and the parts of it taken before the page allocator exists
 * ({@code reserved}: the kernel image, mem_map, firmware areas). {@link #allocTopDown} places early
 * allocations the way memblock does by default, from the top of the allowed range downward.
 *
 * <p>Everything in {@code memory} and not in {@code reserved} is what boot later frees to the page
 * allocator ({@code memblock_free_all}). Used on the boot thread only; not thread-safe.
 */
public final class Memblock {
    /** Ranges [start, end), sorted, disjoint, adjacent ones merged. */
    private final List<long[]> memory = new ArrayList<>();
    private final List<long[]> reserved = new ArrayList<>();

    /**
     * {@code memblock_add()}.
     *
     * @param base first address
     * @param size bytes
     */
    public void addMemory(long base, long size) {
        insert(memory, base, base + size);
    }

    /**
     * {@code memblock_reserve()}. Reserving a range twice is allowed, as in Linux.
     *
     * @param base first address
     * @param size bytes
     */
    public void reserve(long base, long size) {
        if (size > 0) {
            insert(reserved, base, base + size);
        }
    }

    /**
     * {@code memblock_alloc_range()} in its default top-down mode: the highest {@code align}-aligned
     * free range of {@code size} bytes that ends at or below {@code limit}, reserved before return.
     *
     * @param size  bytes
     * @param align a power of two
     * @param limit the first address the allocation may not reach (memblock's {@code end})
     * @return the base address, or -1 if no free range fits
     */
    public long allocTopDown(long size, long align, long limit) {
        List<long[]> free = freeRanges();
        for (int i = free.size() - 1; i >= 0; i--) {
            long start = free.get(i)[0];
            long end = Math.min(free.get(i)[1], limit);
            if (end - start < size) {
                continue;
            }
            long base = (end - size) & -align;
            if (base >= start) {
                reserve(base, size);
                return base;
            }
        }
        return -1;
    }

    /** @return the reported RAM ranges, sorted, each {start, end} */
    public List<long[]> memory() {
        return copy(memory);
    }

    /** @return the reserved ranges, sorted, each {start, end} */
    public List<long[]> reserved() {
        return copy(reserved);
    }

    /** @return memory minus reserved: the ranges boot hands to the page allocator, sorted */
    public List<long[]> freeRanges() {
        List<long[]> out = new ArrayList<>();
        int r = 0;
        for (long[] m : memory) {
            long start = m[0];
            while (r < reserved.size() && reserved.get(r)[1] <= start) {
                r++;
            }
            int k = r;
            while (start < m[1]) {
                if (k >= reserved.size() || reserved.get(k)[0] >= m[1]) {
                    out.add(new long[] {start, m[1]});
                    break;
                }
                long[] res = reserved.get(k);
                if (res[0] > start) {
                    out.add(new long[] {start, res[0]});
                }
                start = Math.max(start, res[1]);
                k++;
            }
        }
        return out;
    }

    /** @return bytes of memory that are reserved */
    public long reservedMemoryBytes() {
        long free = 0;
        for (long[] f : freeRanges()) {
            free += f[1] - f[0];
        }
        long total = 0;
        for (long[] m : memory) {
            total += m[1] - m[0];
        }
        return total - free;
    }

    private static List<long[]> copy(List<long[]> ranges) {
        List<long[]> out = new ArrayList<>(ranges.size());
        for (long[] r : ranges) {
            out.add(r.clone());
        }
        return out;
    }

    /** Inserts [start, end) keeping the list sorted and merging overlapping or adjacent ranges. */
    private static void insert(List<long[]> list, long start, long end) {
        if (end <= start) {
            return;
        }
        int i = 0;
        while (i < list.size() && list.get(i)[1] < start) {
            i++;
        }
        long s = start;
        long e = end;
        while (i < list.size() && list.get(i)[0] <= e) {
            s = Math.min(s, list.get(i)[0]);
            e = Math.max(e, list.get(i)[1]);
            list.remove(i);
        }
        list.add(i, new long[] {s, e});
    }
}
