package org.kmemu.api;

import java.util.Objects;

/**
 * A range of kernel virtual addresses that boot maps in the kernel page tables, as the architecture's
 * {@code paging_init()}/{@code init_mem_mapping()} does: the direct map of lowmem, the kernel image
 * mapping, or page tables allocated in advance with no pages in them yet (the pkmap and fixmap page
 * tables of i386 and ppc32). Also what an architecture pins in its TLB at boot
 * ({@link ArchSpec#pinnedTranslations}).
 *
 * @param kind        what the range is to the kernel; the core counts and checks by kind, never by name
 * @param name        how reports call the range ("direct map (ISA)", "kernel text", "TLB1 CAM 0");
 *                    free text, for people only
 * @param virt        first virtual address, aligned to the base page
 * @param phys        first physical address, or {@link #TABLES_ONLY} for "tables only, no leaves"
 * @param size        bytes, a whole number of base pages
 * @param flags       {@link PteFlags} of the leaves
 * @param maxPageSize the largest leaf boot may use here (the base page size forces 4 KiB pages; x86
 *                    uses 2 MiB or 1 GiB pages where the range is aligned, as DirectMap2M/1G show)
 */
public record KernelMapping(Kind kind, String name, long virt, long phys, long size, int flags, long maxPageSize) {

    /** A {@code phys} meaning: allocate the page tables, map nothing. */
    public static final long TABLES_ONLY = -1L;

    /**
     * What a kernel mapping is. An architecture may cut one kind into several mappings (x86 maps the
     * ISA range apart from the RAM above it, i386 maps the kernel's text executable and the rest of
     * lowmem not); each piece keeps its kind.
     */
    public enum Kind {
        /**
         * RAM at {@code PAGE_OFFSET + phys} (all of it on 64-bit machines, lowmem on 32-bit ones):
         * the addresses {@code __va}/{@code __pa} convert, whose leaves x86's /proc/meminfo counts in
         * its DirectMap lines ({@code direct_pages_count[]}, arch/x86/mm/pat/set_memory.c). x86's ISA
         * range [0, 1 MiB) is part of it (arch/x86/mm/init.c init_mem_mapping() maps it first).
         */
        DIRECT_MAP,
        /**
         * The kernel image mapped a second time outside the direct map: x86_64's
         * {@code __START_KERNEL_map} (arch/x86/include/asm/page_64_types.h).
         */
        KERNEL_IMAGE,
        /** The pkmap window's page table (mm/highmem.c; i386 and ppc32 make it at boot). */
        PKMAP,
        /** The fixmap's page tables (include/asm-generic/fixmap.h): kmap_local slots and others. */
        FIXMAP
    }

    /**
     * @throws NullPointerException if {@code kind} or {@code name} is null
     */
    public KernelMapping {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }
}
