package org.kmemu.arch.i386;

/**
 * The i386 {@code enum fixed_addresses} (arch/x86/include/asm/fixmap.h) as counts: fixmap slot
 * {@code idx} maps at {@code FIXADDR_TOP - (idx << PAGE_SHIFT)}, so the enum grows down from
 * FIXADDR_TOP (include/asm-generic/fixmap.h, __fix_to_virt).
 *
 * <h2>Model of the enum</h2>
 * The enum's length depends on the kernel config. We count the entries of a typical SMP PC
 * kernel (X86_LOCAL_APIC, X86_IO_APIC, PCI_MMCONFIG; no OHCI1394 early DMA, no PARAVIRT_XXL,
 * no APEI GHES, no INTEL_TXT):
 * <pre>
 *   FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE                 3
 *   FIX_APIC_BASE                                                  1
 *   FIX_IO_APIC_BASE_0 .. +MAX_IO_APICS-1 (64 on X86_32, apicdef.h) 64
 *   FIX_KMAP_BEGIN .. FIX_KMAP_END: KM_MAX_IDX (16) * NR_CPUS       16 * NR_CPUS   (KMAP_LOCAL, i.e. HIGHMEM)
 *   FIX_PCIE_MCFG                                                  1              (nested in KMAP_LOCAL)
 *   __end_of_permanent_fixed_addresses          = 69 + 16 * NR_CPUS with HIGHMEM, 68 without
 *   FIX_BTMAP_END .. FIX_BTMAP_BEGIN: 64 * 8 = 512 early_ioremap slots, moved up to the next
 *       512-slot boundary when they would straddle a page-table (PTRS_PER_PTE) boundary
 *   FIX_WP_TEST                                                    1
 *   __end_of_fixed_addresses
 * </pre>
 * FIX_KMAP_BEGIN follows FIX_IO_APIC_BASE_END directly since 4.15 moved the read-only IDT (FIX_RO_IDT)
 * to the cpu_entry_area; 5.11 renamed the kmap_atomic range to KMAP_LOCAL with KM_MAX_IDX slots per CPU.
 * With 8 CPUs that is 197 permanent slots: FIXADDR_START = 0xfff3a000. The 2.6-era PAE dmesg sample
 * in the facts file (section 1.2) shows FIXADDR_START 0xffc57000 (936 slots): that kernel had the old
 * KM_TYPE_NR * NR_CPUS kmap_atomic slots and a different NR_CPUS, so its fixmap line is not ours.
 * The areas below the fixmap are PMD-aligned, which absorbs the difference: pkmap, vmalloc and
 * lowmem of that sample come out exactly (see FixedAreasTest).
 */
final class Fixmap {
    /** KM_MAX_IDX: kmap_local slots per CPU (include/asm-generic/kmap_size.h, without DEBUG_KMAP_LOCAL). */
    static final int KM_MAX_IDX = 16;
    /** MAX_IO_APICS on X86_32 (arch/x86/include/asm/apicdef.h). */
    static final int MAX_IO_APICS = 64;
    /** NR_FIX_BTMAPS * FIX_BTMAPS_SLOTS: the early_ioremap slots (arch/x86/include/asm/fixmap.h). */
    static final int TOTAL_FIX_BTMAPS = 64 * 8;

    /** FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE, FIX_APIC_BASE. */
    private static final int LEADING_SLOTS = 4;

    private final int kmapBegin;
    private final int kmapSlotsPerCpu;
    private final int endOfPermanent;
    private final int btmapEnd;
    private final int endOfFixed;

    /**
     * @param kmapLocal   whether CONFIG_KMAP_LOCAL is set (HIGHMEM selects it)
     * @param nrCpus      NR_CPUS
     * @param ptrsPerPte  PTRS_PER_PTE: 1024 for 2-level tables, 512 for PAE
     */
    Fixmap(boolean kmapLocal, int nrCpus, int ptrsPerPte) {
        int idx = LEADING_SLOTS + MAX_IO_APICS;
        if (kmapLocal) {
            kmapBegin = idx;
            kmapSlotsPerCpu = KM_MAX_IDX;
            idx += KM_MAX_IDX * nrCpus; // FIX_KMAP_BEGIN .. FIX_KMAP_END
            idx += 1;                   // FIX_PCIE_MCFG
        } else {
            kmapBegin = -1;
            kmapSlotsPerCpu = 0;
        }
        endOfPermanent = idx;
        // The boot slots must share one page table: if [end, end + 511] crosses a PTRS_PER_PTE
        // boundary, start them at the next 512-slot boundary instead (the FIX_BTMAP_END rule).
        int last = endOfPermanent + TOTAL_FIX_BTMAPS - 1;
        boolean straddles = ((endOfPermanent ^ last) & -ptrsPerPte) != 0;
        btmapEnd = straddles
                ? endOfPermanent + TOTAL_FIX_BTMAPS - (endOfPermanent & (TOTAL_FIX_BTMAPS - 1))
                : endOfPermanent;
        int btmapBegin = btmapEnd + TOTAL_FIX_BTMAPS - 1;
        endOfFixed = btmapBegin + 1 + 1; // FIX_WP_TEST, then __end_of_fixed_addresses
    }

    /**
     * @return FIX_KMAP_BEGIN: the first kmap_local slot, right after the IO-APIC slots (68 in our model);
     *         -1 without KMAP_LOCAL, where the enum has no such entry
     */
    int kmapBegin() {
        return kmapBegin;
    }

    /**
     * @return KM_MAX_IDX, the kmap_local slots of one CPU (slot {@code i} of CPU {@code c} is fixmap index
     *         FIX_KMAP_BEGIN + i + KM_MAX_IDX * c); 0 without KMAP_LOCAL
     */
    int kmapSlotsPerCpu() {
        return kmapSlotsPerCpu;
    }

    /** @return __end_of_permanent_fixed_addresses: the slots FIXADDR_SIZE counts */
    int endOfPermanent() {
        return endOfPermanent;
    }

    /** @return FIX_BTMAP_END: the lowest early_ioremap slot index */
    int btmapEnd() {
        return btmapEnd;
    }

    /** @return __end_of_fixed_addresses: the slots FIXADDR_TOT_SIZE counts */
    int endOfFixed() {
        return endOfFixed;
    }
}
