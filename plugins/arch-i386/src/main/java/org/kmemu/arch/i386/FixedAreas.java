package org.kmemu.arch.i386;

/**
 * The part of the i386 kernel's virtual layout that is fixed at build time, before the memory map is
 * known: the fixmap, cpu_entry_area, LDT remap, pkmap, VMALLOC_END and MAXMEM. Stacked from the top of
 * the 4 GiB space down, each area rounded down to a PMD boundary so that it has its own page table.
 *
 * <pre>
 *  0xffffffff  +------------------+
 *              | (unmapped page)  |
 *  FIXADDR_TOP +------------------+ 0xfffff000 (arch/x86/mm/pgtable_32.c __FIXADDR_TOP)
 *              | permanent fixmap |
 *  FIXADDR_START ---------------- +
 *              | boot fixmap      |  early_ioremap slots, FIX_WP_TEST
 *  FIXADDR_TOT_START -------------+
 *              | cpu_entry_area   |  CURRENT only: RO IDT page + NR_CPUS * struct cpu_entry_area
 *  CPU_ENTRY_AREA_BASE -----------+
 *              | LDT remap        |  CURRENT only: one PMD
 *  LDT_BASE_ADDR -----------------+
 *              | pkmap            |  LAST_PKMAP pages (HIGHMEM only)
 *  PKMAP_BASE  +------------------+
 *              | 2 guard pages    |
 *  VMALLOC_END +------------------+
 *              | vmalloc          |  at least __VMALLOC_RESERVE - 8 MiB when lowmem is full
 *  VMALLOC_START -----------------+
 *              | 8 MiB gap        |  VMALLOC_OFFSET
 *  high_memory +------------------+  at most PAGE_OFFSET + MAXMEM
 *              | lowmem           |
 *  PAGE_OFFSET +------------------+
 * </pre>
 *
 * Formulas per generation: arch/x86/include/asm/pgtable_32_areas.h (CURRENT),
 * arch/x86/include/asm/pgtable_32_types.h of 2.6.28-4.14 (LEGACY), include/asm-i386/pgtable.h,
 * highmem.h and page.h of 2.6 (CLASSIC). Immutable.
 */
final class FixedAreas {
    /** PAGE_SIZE. */
    static final long PAGE_SIZE = 4096;
    /** PAGE_SHIFT. */
    static final int PAGE_SHIFT = 12;
    /** __FIXADDR_TOP: the fixmap ends one page below 4 GiB (arch/x86/mm/pgtable_32.c). */
    static final long FIXADDR_TOP = 0xfffff000L;
    /** VMALLOC_OFFSET: the 8 MiB gap between lowmem and vmalloc that catches overruns (pgtable_32_areas.h). */
    static final long VMALLOC_OFFSET = 8L << 20;
    /** The top of the 32-bit virtual address space. */
    static final long TOP = 1L << 32;

    /**
     * Pages of one {@code struct cpu_entry_area} on X86_32 (arch/x86/include/asm/cpu_entry_area.h,
     * 6.x), every member page-aligned: gdt 1, guard_entry_stack 1, entry_stack_page 1,
     * guard_doublefault_stack 1, doublefault_stack 1, tss_struct 5 (104-byte x86_hw_tss plus the
     * x86_io_bitmap: 8 + 4 + 2 * 8196 bytes, 16508 in all, rounded up to pages), debug_store 1,
     * debug_store_buffers 32 (BTS and PEBS buffers of PAGE_SIZE << 4 each, arch/x86/include/asm/intel_ds.h).
     */
    static final int CPU_ENTRY_AREA_PAGES_PER_CPU = 1 + 1 + 1 + 1 + 1 + 5 + 1 + 32;

    private final LayoutGeneration generation;
    private final boolean highmem;
    private final long pageOffset;
    private final long pmdSize;
    private final int lastPkmap;
    private final Fixmap fixmap;
    private final long fixaddrStart;
    private final long fixaddrTotStart;
    private final long cpuEntryAreaBase;
    private final long cpuEntryAreaMapSize;
    private final long ldtBase;
    private final long pkmapBase;
    private final long vmallocEnd;
    private final long maxMem;

    /** @param o the configuration */
    FixedAreas(I386Options o) {
        generation = o.generation();
        highmem = o.highmem();
        pageOffset = o.pageOffset();
        // PMD_SIZE: 2 MiB with PAE (PMD_SHIFT 21); the folded PMD of 2-level tables spans a PGD entry, 4 MiB.
        pmdSize = o.pae() ? 2L << 20 : 4L << 20;
        int ptrsPerPte = o.pae() ? 512 : 1024;
        // LAST_PKMAP: one page table of pkmap slots (pgtable_32_areas.h).
        lastPkmap = highmem ? ptrsPerPte : 0;
        fixmap = new Fixmap(highmem, o.nrCpus(), ptrsPerPte);
        fixaddrStart = FIXADDR_TOP - ((long) fixmap.endOfPermanent() << PAGE_SHIFT);
        fixaddrTotStart = FIXADDR_TOP - ((long) fixmap.endOfFixed() << PAGE_SHIFT);

        if (generation == LayoutGeneration.CURRENT) {
            long ceaPages = (long) o.nrCpus() * CPU_ENTRY_AREA_PAGES_PER_CPU;
            // The +1 page is the read-only IDT mapped at CPU_ENTRY_AREA_BASE.
            cpuEntryAreaBase = pmdDown(fixaddrTotStart - PAGE_SIZE * (ceaPages + 1));
            cpuEntryAreaMapSize = PAGE_SIZE * (ceaPages + 1);
            ldtBase = pmdDown(cpuEntryAreaBase - PAGE_SIZE);
            pkmapBase = highmem ? pmdDown(ldtBase - PAGE_SIZE) : 0;
            vmallocEnd = (highmem ? pkmapBase : ldtBase) - 2 * PAGE_SIZE;
        } else {
            cpuEntryAreaBase = 0;
            cpuEntryAreaMapSize = 0;
            ldtBase = 0;
            // PKMAP_BASE = (FIXADDR_BOOT_START - PAGE_SIZE * (LAST_PKMAP + 1)) & PMD_MASK; FIXADDR_BOOT_START
            // is what 4.x renamed FIXADDR_TOT_START.
            pkmapBase = highmem ? pmdDown(fixaddrTotStart - PAGE_SIZE * (lastPkmap + 1L)) : 0;
            vmallocEnd = (highmem ? pkmapBase : fixaddrStart) - 2 * PAGE_SIZE;
        }
        maxMem = generation == LayoutGeneration.CLASSIC
                ? TOP - pageOffset - o.vmallocReserveBytes()
                : vmallocEnd - pageOffset - o.vmallocReserveBytes();
        assert fixaddrTotStart < fixaddrStart && fixaddrStart < FIXADDR_TOP;
    }

    private long pmdDown(long addr) {
        return addr & -pmdSize;
    }

    /**
     * VMALLOC_START for a given high_memory.
     *
     * @param highMemory the first address past lowmem
     * @return high_memory + VMALLOC_OFFSET; in CLASSIC rounded up to an 8 MiB boundary past that
     *         ({@code (high_memory + 2*VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1)}, 2.6 pgtable.h)
     */
    long vmallocStart(long highMemory) {
        if (generation == LayoutGeneration.CLASSIC) {
            return (highMemory + 2 * VMALLOC_OFFSET - 1) & -VMALLOC_OFFSET;
        }
        return highMemory + VMALLOC_OFFSET;
    }

    /** @return the generation these areas follow */
    LayoutGeneration generation() {
        return generation;
    }

    /** @return whether CONFIG_HIGHMEM is set (pkmap exists) */
    boolean highmem() {
        return highmem;
    }

    /** @return PAGE_OFFSET */
    long pageOffset() {
        return pageOffset;
    }

    /** @return PMD_SIZE */
    long pmdSize() {
        return pmdSize;
    }

    /** @return LAST_PKMAP, 0 without HIGHMEM */
    int lastPkmap() {
        return lastPkmap;
    }

    /** @return the fixmap slot counts */
    Fixmap fixmap() {
        return fixmap;
    }

    /** @return FIXADDR_START = FIXADDR_TOP - FIXADDR_SIZE (permanent slots only) */
    long fixaddrStart() {
        return fixaddrStart;
    }

    /** @return FIXADDR_TOT_START = FIXADDR_TOP - FIXADDR_TOT_SIZE (boot slots included) */
    long fixaddrTotStart() {
        return fixaddrTotStart;
    }

    /** @return CPU_ENTRY_AREA_BASE, 0 before CURRENT */
    long cpuEntryAreaBase() {
        return cpuEntryAreaBase;
    }

    /** @return CPU_ENTRY_AREA_MAP_SIZE: the RO IDT page plus NR_CPUS areas, 0 before CURRENT */
    long cpuEntryAreaMapSize() {
        return cpuEntryAreaMapSize;
    }

    /** @return LDT_BASE_ADDR (LDT_END_ADDR is one PMD above), 0 before CURRENT */
    long ldtBase() {
        return ldtBase;
    }

    /** @return PKMAP_BASE, 0 without HIGHMEM */
    long pkmapBase() {
        return pkmapBase;
    }

    /** @return VMALLOC_END (exclusive, as the i386 kernel uses it) */
    long vmallocEnd() {
        return vmallocEnd;
    }

    /** @return MAXMEM: the most bytes of RAM the direct map can hold; may be negative for a bad config */
    long maxMem() {
        return maxMem;
    }

    /** @return MAXMEM_PFN = PFN_DOWN(MAXMEM) */
    long maxMemPfn() {
        return maxMem >> PAGE_SHIFT;
    }
}
