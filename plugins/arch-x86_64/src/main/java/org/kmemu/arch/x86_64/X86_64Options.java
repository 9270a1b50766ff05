package org.kmemu.arch.x86_64;

import org.kmemu.api.ConfigView;
import org.kmemu.x86.common.mmu.X86MmuOptions;

/**
 * The validated x86_64 configuration, built once from {@code kmemu.arch.x86_64} by {@link #from}; tests
 * build it directly.
 *
 * @param mode            4- or 5-level paging
 * @param structPageBytes sizeof(struct page)
 * @param physicalStart   CONFIG_PHYSICAL_START: load (and link) address of the kernel image
 * @param fixmap          the options that shape the fixmap
 * @param gbpages         whether the CPU has 1 GiB pages (X86_FEATURE_GBPAGES): PUD leaves allowed,
 *                        and the direct map uses them (probe_page_size_mask(), arch/x86/mm/init.c)
 * @param mmu             NX, SMEP, SMAP and the TLB geometry
 */
record X86_64Options(PagingMode mode, int structPageBytes, long physicalStart, FixmapOptions fixmap,
                     boolean gbpages, X86MmuOptions mmu) {

    /** CONFIG_PHYSICAL_ALIGN: on 64-bit CONFIG_PHYSICAL_START must be a multiple of 2 MiB (arch/x86/Kconfig). */
    static final long PHYSICAL_ALIGN = 0x200000L;

    /** Checks the rules; {@link #from} reports the same rules as config errors first. */
    X86_64Options {
        if (mode == null || fixmap == null || mmu == null) {
            throw new IllegalArgumentException("mode/fixmap/mmu: null (expected: non-null)");
        }
        String p = structPageProblem(structPageBytes);
        if (p != null) {
            throw new IllegalArgumentException("struct-page-bytes: " + p);
        }
        p = physicalStartProblem(physicalStart);
        if (p != null) {
            throw new IllegalArgumentException("physical-start: " + p);
        }
    }

    /** @return the defaults of the shipped reference.conf, for the given number of levels */
    static X86_64Options defaults(int levels) {
        return new X86_64Options(PagingMode.ofLevels(levels), 64, 0x1000000L, FixmapOptions.typical(), true,
                new X86MmuOptions(true, true, true, 16, 4, 128, 12));
    }

    /**
     * Reads and validates {@code kmemu.arch.x86_64}.
     *
     * @param c the plugin's config subtree
     * @return the options
     * @throws org.kmemu.api.ConfigException for a bad value
     */
    static X86_64Options from(ConfigView c) {
        int levels = c.getInt("levels");
        if (levels != 4 && levels != 5) {
            throw c.error("levels", levels + " (expected: 4, or 5 for LA57)");
        }
        int structPage = c.getInt("struct-page-bytes");
        String p = structPageProblem(structPage);
        if (p != null) {
            throw c.error("struct-page-bytes", p);
        }
        long physicalStart = c.getAddress("physical-start");
        p = physicalStartProblem(physicalStart);
        if (p != null) {
            throw c.error("physical-start", p);
        }
        return new X86_64Options(PagingMode.ofLevels(levels), structPage, physicalStart,
                FixmapOptions.from(c.getConfig("fixmap")), c.getBoolean("gbpages"), X86MmuOptions.from(c));
    }

    private static String structPageProblem(int bytes) {
        // 64 normally; debug options (page owner, KMSAN...) grow it, never below 32 or off word size.
        if (bytes < 32 || bytes > 512 || bytes % 8 != 0) {
            return bytes + " (expected: a multiple of 8 in 32..512)";
        }
        return null;
    }

    private static String physicalStartProblem(long start) {
        if (start < 0 || start % PHYSICAL_ALIGN != 0 || start >= X86_64Layout.KERNEL_IMAGE_SIZE) {
            return String.format("0x%x (expected: a multiple of CONFIG_PHYSICAL_ALIGN 0x%x below "
                    + "KERNEL_IMAGE_SIZE 0x%x)", start, PHYSICAL_ALIGN, X86_64Layout.KERNEL_IMAGE_SIZE);
        }
        return null;
    }
}
