package org.kmemu.core.proc;

import org.kmemu.core.machine.Machine;

/**
 * The DirectMap lines of x86's {@code arch_report_meminfo()} (arch/x86/mm/pat/set_memory.c): how much
 * of the direct map is mapped by 4 KiB pages, by large pages (2 MiB, or 4 MiB on i386 without PAE) and,
 * on x86_64, by 1 GiB pages.
 *
 * <p>kmemu builds no kernel page tables yet, so the split is derived, not counted: the direct map is
 * taken to be mapped as arch/x86/mm/init.c {@code init_mem_mapping()} would map it with PSE and
 * GB pages available and nothing split afterwards: the ISA range [0, 1 MiB) with 4 KiB pages, then
 * each range of RAM below max_low_pfn (memblock.memory) cut by {@code split_mem_range()}'s rule:
 * 4 KiB pages up to the first large-page boundary, large pages up to the first 1 GiB boundary, 1 GiB
 * pages in the middle, then large pages and 4 KiB pages for the tail. A real kernel reports more
 * 4 KiB and 2 MiB pages, because it later splits large pages around the kernel image and for
 * {@code set_memory_*()} permission changes.
 *
 * @param kb4k   DirectMap4k in kB
 * @param kbLarge DirectMap2M (or DirectMap4M) in kB
 * @param kb1g   DirectMap1G in kB (x86_64 only)
 */
record DirectMap(long kb4k, long kbLarge, long kb1g) {
    private static final long ISA_END = 1L << 20;
    private static final long GB = 1L << 30;

    /**
     * @param m   a booted x86 machine
     * @param cfg its kernel options
     * @return the derived split
     */
    static DirectMap of(Machine m, KernelConfig cfg) {
        long large = cfg.hugePageKb() << 10;
        boolean gbPages = cfg.x86_64();
        long lowEnd = m.layout().maxLowPfn() << m.pageShift();
        long[] bytes = new long[3];
        bytes[0] += Math.min(ISA_END, lowEnd);
        for (long[] r : m.memblock().memory()) {
            long s = Math.max(r[0], ISA_END);
            long e = Math.min(r[1], lowEnd);
            if (e > s) {
                split(s, e, large, gbPages, bytes);
            }
        }
        return new DirectMap(bytes[0] >> 10, bytes[1] >> 10, bytes[2] >> 10);
    }

    /** Adds [s, e) cut into 4K / large / 1G pieces to {@code bytes[0..2]}. */
    private static void split(long s, long e, long large, boolean gbPages, long[] bytes) {
        long largeStart = Math.min(roundUp(s, large), e);
        long largeEnd = Math.max(largeStart, e & -large);
        bytes[0] += largeStart - s;
        bytes[0] += e - largeEnd;
        if (!gbPages) {
            bytes[1] += largeEnd - largeStart;
            return;
        }
        long gbStart = Math.min(roundUp(largeStart, GB), largeEnd);
        long gbEnd = Math.max(gbStart, largeEnd & -GB);
        bytes[1] += (gbStart - largeStart) + (largeEnd - gbEnd);
        bytes[2] += gbEnd - gbStart;
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
