package org.kmemu.core.proc;

import java.util.Map;
import org.kmemu.api.KernelMapping;
import org.kmemu.core.machine.Machine;

/**
 * The DirectMap lines of x86's {@code arch_report_meminfo()} (arch/x86/mm/pat/set_memory.c): how much
 * of the direct map the kernel page tables map with 4 KiB pages, with large pages (2 MiB, or 4 MiB on
 * i386 without PAE) and, on x86_64, with 1 GiB pages. Counted from the leaves boot wrote for every
 * mapping of kind {@link KernelMapping.Kind#DIRECT_MAP}, whatever the architecture called it (x86's ISA
 * range included, as {@code init_memory_mapping(0, ISA_END_ADDRESS)} counts it in arch/x86/mm/init.c),
 * as the kernel counts them in {@code direct_pages_count[]}.
 *
 * @param kb4k    DirectMap4k in kB
 * @param kbLarge DirectMap2M (or DirectMap4M) in kB
 * @param kb1g    DirectMap1G in kB (x86_64 only)
 */
record DirectMap(long kb4k, long kbLarge, long kb1g) {

    /**
     * @param m a booted x86 machine
     * @return its direct map's leaves, in kB per page size
     */
    static DirectMap of(Machine m) {
        long[] kb = new long[3];
        for (Map.Entry<Integer, Long> e : m.mmu().kernelTables().leaves(KernelMapping.Kind.DIRECT_MAP).entrySet()) {
            int shift = e.getKey();
            int column = shift >= 30 ? 2 : shift > 12 ? 1 : 0;
            kb[column] += e.getValue() << (shift - 10);
        }
        return new DirectMap(kb[0], kb[1], kb[2]);
    }
}
