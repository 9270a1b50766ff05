package org.kmemu.core.mm.vma;

import org.kmemu.api.KernelLayout;

/**
 * Where a process's mmaps go: the arch's legacy-free top-down layout with randomization off (kmemu is
 * deterministic, as a run with {@code norandmaps} or {@code setarch -R}).
 *
 * <ul>
 *   <li>TASK_SIZE from the kernel layout.</li>
 *   <li>mmap_base = PAGE_ALIGN(TASK_SIZE - gap), gap = the stack rlimit (8 MiB, _STK_LIM) plus
 *       stack_guard_gap (256 pages), clamped to [128 MiB, TASK_SIZE / 6 * 5]: 128 MiB on every arch, so
 *       mmap_base is TASK_SIZE - 128 MiB (arch/x86/mm/mmap.c mmap_base; mm/util.c mmap_base for powerpc's
 *       generic top-down layout).</li>
 *   <li>TASK_UNMAPPED_BASE, where the bottom-up fallback starts: PAGE_ALIGN(TASK_SIZE / 3) on x86
 *       (arch/x86/include/asm/processor.h __TASK_UNMAPPED_BASE), TASK_SIZE / 8 * 3 on 32-bit powerpc
 *       (arch/powerpc/include/asm/task_size_32.h).</li>
 *   <li>mmap_min_addr: CONFIG_DEFAULT_MMAP_MIN_ADDR's default, 4096 (mm/Kconfig); the lowest address
 *       get_unmapped_area hands out is max(PAGE_SIZE, mmap_min_addr).</li>
 * </ul>
 *
 * @param taskSize         TASK_SIZE
 * @param mmapBase         mm->mmap_base
 * @param unmappedBase     TASK_UNMAPPED_BASE
 * @param mmapMinAddr      vm.mmap_min_addr
 * @param pageShift        PAGE_SHIFT
 */
public record MmapLayout(long taskSize, long mmapBase, long unmappedBase, long mmapMinAddr, int pageShift) {
    /** _STK_LIM (include/uapi/linux/resource.h): the default RLIMIT_STACK, 8 MiB. */
    public static final long STK_LIM = 8L << 20;
    /** stack_guard_gap's default, 256 pages (mm/mmap.c). */
    public static final int STACK_GUARD_GAP_PAGES = 256;
    /** MIN_GAP (arch/x86/mm/mmap.c SIZE_128M, mm/util.c MIN_GAP): the least room kept for the stack. */
    public static final long MIN_GAP = 128L << 20;
    /** CONFIG_DEFAULT_MMAP_MIN_ADDR's default (mm/Kconfig). */
    public static final long DEFAULT_MMAP_MIN_ADDR = 4096;

    /**
     * @param archId    the architecture's id ("x86_64", "i386", "booke", or a test arch)
     * @param layout    the kernel layout (TASK_SIZE)
     * @param pageShift PAGE_SHIFT
     * @return the layout a new process gets
     */
    public static MmapLayout of(String archId, KernelLayout layout, int pageShift) {
        long taskSize = layout.taskSize();
        long pageMask = (1L << pageShift) - 1;
        long gap = STK_LIM + ((long) STACK_GUARD_GAP_PAGES << pageShift);
        long maxGap = Long.divideUnsigned(taskSize, 6) * 5;
        gap = Math.max(gap, MIN_GAP);
        gap = Math.min(gap, maxGap);
        long mmapBase = (taskSize - gap + pageMask) & ~pageMask;
        long unmappedBase = "booke".equals(archId)
                ? Long.divideUnsigned(taskSize, 8) * 3
                : (Long.divideUnsigned(taskSize, 3) + pageMask) & ~pageMask;
        return new MmapLayout(taskSize, mmapBase, unmappedBase, DEFAULT_MMAP_MIN_ADDR, pageShift);
    }

    /** @return PAGE_SIZE */
    public long pageSize() {
        return 1L << pageShift;
    }

    /** @return stack_guard_gap in bytes */
    public long stackGuardGap() {
        return (long) STACK_GUARD_GAP_PAGES << pageShift;
    }
}
