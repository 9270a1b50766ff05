package org.kmemu.arch.i386;

/**
 * The i386 plugin's configuration as plain values, read once from {@code kmemu.arch.i386} by
 * {@link OptionsReader} (tests build it directly). The rules of each value live here, as
 * {@code *Problem} functions that return null for a good value or the "value (expected: rule)" text
 * for a bad one, so that the config reader and this constructor report the same thing.
 *
 * @param pae                 CONFIG_X86_PAE: 3-level tables with 64-bit PTEs and 36 physical bits
 *                            (HIGHMEM64G) instead of 2-level 32-bit PTEs and 32 bits (HIGHMEM4G)
 * @param vmSplit             the VMSPLIT_* choice, which fixes PAGE_OFFSET
 * @param generation          which kernel generation's layout rules to follow
 * @param vmallocReserveBytes the effective {@code __VMALLOC_RESERVE}: the compiled-in 128 MiB, or
 *                            {@code vmalloc=<size>} plus VMALLOC_OFFSET (arch/x86/mm/pgtable_32.c)
 * @param highmem             CONFIG_HIGHMEM: false drops the RAM above lowmem at boot
 * @param nrCpus              CONFIG_NR_CPUS: sizes the kmap_local fixmap slots and the cpu_entry_area
 * @param structPageBytes     sizeof(struct page)
 */
record I386Options(boolean pae, VmSplit vmSplit, LayoutGeneration generation, long vmallocReserveBytes,
                   boolean highmem, int nrCpus, int structPageBytes) {

    /** NR_CPUS_RANGE_END for X86_32 with X86_BIGSMP (arch/x86/Kconfig): the most CPUs a 32-bit kernel supports. */
    static final int MAX_NR_CPUS = 64;

    /** Checks every value; see the {@code *Problem} functions for the rules. */
    I386Options {
        if (vmSplit == null) {
            throw new IllegalArgumentException("vmsplit: null (expected: one of " + VmSplit.names() + ")");
        }
        if (generation == null) {
            throw new IllegalArgumentException("layout: null (expected: current, legacy or classic)");
        }
        require("vmalloc-reserve", vmallocReserveProblem(vmallocReserveBytes));
        require("nr-cpus", nrCpusProblem(nrCpus));
        require("struct-page-bytes", structPageBytesProblem(structPageBytes));
    }

    /** @return the number of physical address bits: 36 with PAE, else 32 (arch/x86/include/asm/page_32_types.h) */
    int physAddressBits() {
        return pae ? 36 : 32;
    }

    /** @return PAGE_OFFSET */
    long pageOffset() {
        return vmSplit.pageOffset();
    }

    /**
     * @param bytes a candidate __VMALLOC_RESERVE
     * @return null if usable, else what is wrong
     */
    static String vmallocReserveProblem(long bytes) {
        // The kernel keeps __VMALLOC_RESERVE in an unsigned int; it must leave room for the 8 MiB
        // guard gap (VMALLOC_OFFSET) or VMALLOC_START would not lie below VMALLOC_END.
        if (bytes <= FixedAreas.VMALLOC_OFFSET || bytes >= (1L << 32)) {
            return bytes + " (expected: more than VMALLOC_OFFSET, 8 MiB, and less than 4 GiB)";
        }
        return null;
    }

    /**
     * @param n a candidate NR_CPUS
     * @return null if usable, else what is wrong
     */
    static String nrCpusProblem(int n) {
        if (n < 1 || n > MAX_NR_CPUS) {
            return n + " (expected: 1 to " + MAX_NR_CPUS + ", the NR_CPUS range of X86_32 in arch/x86/Kconfig)";
        }
        return null;
    }

    /**
     * @param n a candidate sizeof(struct page)
     * @return null if usable, else what is wrong
     */
    static String structPageBytesProblem(int n) {
        if (n < 16 || n > 256 || n % 4 != 0) {
            return n + " (expected: a multiple of 4 from 16 to 256; 32 on a typical i386 kernel)";
        }
        return null;
    }

    private static void require(String key, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException(key + ": " + problem);
        }
    }
}
