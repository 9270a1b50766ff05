package org.kmemu.core.proc;

import org.kmemu.core.machine.Machine;

/**
 * The kernel build options that change what the /proc files print, derived from the machine's
 * architecture the way the usual configurations of each target set them. kmemu has no Kconfig, so
 * this is the one place that says which lines a target prints:
 * <ul>
 *   <li>{@code highmem}: CONFIG_HIGHMEM, true when the layout has pkmap slots
 *       ({@code LAST_PKMAP > 0}); adds meminfo's HighTotal/HighFree/LowTotal/LowFree.</li>
 *   <li>{@code x86}: the x86 options the real 6.18 sample was built with: CONFIG_HUGETLB_PAGE and
 *       CONFIG_TRANSPARENT_HUGEPAGE (meminfo's HugePages and THP lines, zoneinfo's nr_hugetlb) and
 *       arch/x86 {@code arch_report_meminfo()} (the DirectMap lines). PowerPC e500 has neither
 *       hugetlbfs nor THP in its usual configurations, so those lines are absent there.</li>
 *   <li>{@code numa}: CONFIG_NUMA and CONFIG_NUMA_BALANCING, set by x86_64 defconfig but not by the
 *       32-bit ones; adds zoneinfo's numa_* zone counters and pgpromote_* node counters.</li>
 *   <li>{@code pae}: i386 with more than 32 physical address bits (CONFIG_X86_PAE): 2 MiB large
 *       pages instead of 4 MiB.</li>
 * </ul>
 *
 * @param highmem CONFIG_HIGHMEM
 * @param x86     x86_64 or i386
 * @param x86_64  x86_64 (direct map with 1 GiB pages, inclusive VMALLOC_END)
 * @param numa    CONFIG_NUMA
 * @param pae     CONFIG_X86_PAE
 */
record KernelConfig(boolean highmem, boolean x86, boolean x86_64, boolean numa, boolean pae) {

    /**
     * @param m a booted machine
     * @return the options its architecture implies
     */
    static KernelConfig of(Machine m) {
        String id = m.arch().id();
        boolean x86_64 = id.equals("x86_64");
        boolean i386 = id.equals("i386");
        return new KernelConfig(m.layout().lastPkmap() > 0, x86_64 || i386, x86_64, x86_64,
                i386 && m.arch().physAddressBits() > 32);
    }

    /**
     * @return HPAGE_SIZE in kB: 2048 on x86_64 and i386 PAE (PMD_SHIFT 21), 4096 on i386 non-PAE
     *         (PMD_SHIFT 22 with the PMD folded into the PGD)
     */
    long hugePageKb() {
        return x86_64 || pae ? 2048 : 4096;
    }
}
