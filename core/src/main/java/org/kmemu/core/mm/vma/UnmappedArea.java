package org.kmemu.core.mm.vma;

import org.kmemu.api.Errno;

/**
 * {@code get_unmapped_area} for private and anonymous mappings with the top-down layout
 * (arch/x86/kernel/sys_x86_64.c arch_get_unmapped_area_topdown, mm/mmap.c generic_get_unmapped_area_topdown
 * and vm_unmapped_area / unmapped_area_topdown / unmapped_area): no alignment, no MAP_32BIT.
 *
 * <ol>
 *   <li>len above TASK_SIZE - mmap_min_addr: -ENOMEM.</li>
 *   <li>MAP_FIXED: the address as given (do_mmap checks and unmaps).</li>
 *   <li>A hint, page aligned up (generic_get_unmapped_area_topdown's PAGE_ALIGN; x86's own version rounds
 *       it down with {@code addr &= PAGE_MASK}, not modelled yet), is used when [hint, hint + len) fits below TASK_SIZE, at or above
 *       mmap_min_addr, and clear of its neighbours' guard gaps.</li>
 *   <li>Else the highest gap below mmap_base that holds len, at or above max(PAGE_SIZE, mmap_min_addr);
 *       the gap below a VM_GROWSDOWN VMA loses stack_guard_gap (vm_start_gap).</li>
 *   <li>Else bottom-up from TASK_UNMAPPED_BASE to TASK_SIZE: the lowest gap.</li>
 * </ol>
 */
public final class UnmappedArea {
    private UnmappedArea() {
    }

    /**
     * @param tree   the mm's VMAs
     * @param layout the mm's layout
     * @param hint   the address asked for, or 0
     * @param len    the length in bytes, above 0
     * @param fixed  MAP_FIXED
     * @return a page-aligned address, or a negative errno (-ENOMEM, or -EINVAL for a misaligned MAP_FIXED)
     */
    public static long get(VmaTree tree, MmapLayout layout, long hint, long len, boolean fixed) {
        long pageMask = layout.pageSize() - 1;
        long taskSize = layout.taskSize();
        len = (len + pageMask) & ~pageMask;
        if (len == 0 || Long.compareUnsigned(len, taskSize - layout.mmapMinAddr()) > 0) {
            return -Errno.ENOMEM;
        }
        if (fixed) {
            // __get_unmapped_area's checks of the result, in its order: beyond TASK_SIZE, then misaligned
            if (Long.compareUnsigned(hint, taskSize - len) > 0) {
                return -Errno.ENOMEM;
            }
            return (hint & pageMask) != 0 ? -Errno.EINVAL : hint;
        }
        if (hint != 0) {
            long addr = (hint + pageMask) & ~pageMask;
            if (Long.compareUnsigned(addr, hint) >= 0 && Long.compareUnsigned(taskSize - len, addr) >= 0
                    && Long.compareUnsigned(addr, layout.mmapMinAddr()) >= 0 && fits(tree, layout, addr, len)) {
                return addr;
            }
        }
        long low = Math.max(layout.pageSize(), layout.mmapMinAddr());
        long addr = topDown(tree, layout, low, layout.mmapBase(), len);
        if (addr >= 0) {
            return addr;
        }
        // "A failed mmap() very likely causes application failure, so fall back to the bottom-up function
        // here" (arch_get_unmapped_area_topdown)
        addr = bottomUp(tree, layout, layout.unmappedBase(), taskSize, len);
        return addr >= 0 ? addr : -Errno.ENOMEM;
    }

    private static boolean fits(VmaTree tree, MmapLayout layout, long addr, long len) {
        Vma next = tree.findVma(addr);
        Vma prev = tree.findVmaPrev(addr);
        return (next == null || Long.compareUnsigned(addr + len, startGap(next, layout)) <= 0)
                && (prev == null || Long.compareUnsigned(addr, prev.end()) >= 0);
    }

    /** vm_start_gap(): a stack's start less the guard gap (0 if that wraps). */
    static long startGap(Vma vma, MmapLayout layout) {
        long start = vma.start();
        if ((vma.flags() & VmFlags.VM_GROWSDOWN) != 0) {
            long gap = start - layout.stackGuardGap();
            return Long.compareUnsigned(gap, start) > 0 ? 0 : gap;
        }
        return start;
    }

    /** unmapped_area_topdown(): the highest [addr, addr + len) in [low, high) clear of every VMA and guard gap. */
    private static long topDown(VmaTree tree, MmapLayout layout, long low, long high, long len) {
        if (Long.compareUnsigned(high, low) < 0 || Long.compareUnsigned(high - low, len) < 0) {
            return -1;
        }
        // The first VMA at or above high bounds the first gap; walk down from there.
        Vma next = tree.findVma(high - 1);
        Vma prev = next == null ? tree.findVmaPrev(high) : tree.prev(next);
        while (true) {
            // user addresses are below 2^63 on every arch, so signed min/max order them right
            long gapEnd = next == null ? high : Math.min(high, startGap(next, layout));
            long gapStart = prev == null ? low : Math.max(low, prev.end());
            if (Long.compareUnsigned(gapEnd, gapStart) > 0 && Long.compareUnsigned(gapEnd - gapStart, len) >= 0) {
                return gapEnd - len;
            }
            if (prev == null || Long.compareUnsigned(prev.end(), low) <= 0) {
                return -1;
            }
            next = prev;
            prev = tree.prev(prev);
        }
    }

    /** unmapped_area(): the lowest [addr, addr + len) in [low, high). */
    private static long bottomUp(VmaTree tree, MmapLayout layout, long low, long high, long len) {
        Vma prev = tree.findVmaPrev(low);
        Vma next = tree.findVma(low);
        while (true) {
            long gapStart = prev == null ? low : Math.max(low, prev.end());
            long gapEnd = next == null ? high : Math.min(high, startGap(next, layout));
            if (Long.compareUnsigned(gapEnd, gapStart) > 0 && Long.compareUnsigned(gapEnd - gapStart, len) >= 0) {
                return gapStart;
            }
            if (next == null || Long.compareUnsigned(next.end(), high) >= 0) {
                return -1;
            }
            prev = next;
            next = tree.next(next);
        }
    }
}
