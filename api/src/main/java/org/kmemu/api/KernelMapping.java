package org.kmemu.api;

/**
 * A range of kernel virtual addresses that boot maps in the kernel page tables, as the architecture's
 * {@code paging_init()}/{@code init_mem_mapping()} does: the direct map of lowmem, the kernel image
 * mapping, or page tables allocated in advance with no pages in them yet (the pkmap and fixmap page
 * tables of i386 and ppc32).
 *
 * @param name        what the range is, for reports ("kernel text", "pkmap"); the direct map of RAM
 *                    must be named {@link #DIRECT_MAP}, which /proc/meminfo's DirectMap lines count
 * @param virt        first virtual address, aligned to the base page
 * @param phys        first physical address, or -1 for "tables only, no leaves"
 * @param size        bytes, a whole number of base pages
 * @param flags       {@link PteFlags} of the leaves
 * @param maxPageSize the largest leaf boot may use here (the base page size forces 4 KiB pages; x86
 *                    uses 2 MiB or 1 GiB pages where the range is aligned, as DirectMap2M/1G show)
 */
public record KernelMapping(String name, long virt, long phys, long size, int flags, long maxPageSize) {

    /** The name of direct-map ranges. */
    public static final String DIRECT_MAP = "direct map";

    /** A {@code phys} meaning: allocate the page tables, map nothing. */
    public static final long TABLES_ONLY = -1L;
}
