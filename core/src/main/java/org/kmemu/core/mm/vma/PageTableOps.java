package org.kmemu.core.mm.vma;

import org.kmemu.core.mmu.Cpu;

/**
 * What the VMA layer ({@code do_mmap}, {@code do_munmap}, {@code mprotect}, {@code mremap}, {@code brk})
 * asks of the page-table layer below it (mm/memory.c, mm/mprotect.c, mm/mremap.c, mm/gup.c). The VMA layer
 * changes the VMAs; this interface changes the user PTEs of the mm and the pages they map. Every method is
 * called with the mm's mmap lock held for write, on the calling CPU's thread, except {@link #populate}.
 */
public interface PageTableOps {

    /**
     * {@code unmap_page_range} / {@code zap_page_range_single}: clears every PTE of {@code vma} in
     * [start, end), drops each mapped page's mapcount and reference ({@code put_page}: the last reference
     * frees it), counts dirty file pages as dirty, and flushes the TLBs of every CPU running the mm for
     * the range ({@code flush_tlb_mm_range}).
     *
     * @param cpu   the calling CPU
     * @param mm    the address space
     * @param vma   the VMA the range lies in
     * @param start page-aligned start, inside vma
     * @param end   page-aligned end, inside vma
     */
    void unmapRange(Cpu cpu, Mm mm, Vma vma, long start, long end);

    /**
     * {@code free_pgtables}: frees the page-table pages that map only addresses in [floor, ceiling)
     * after the VMAs there were unmapped (the neighbours' tables stay).
     *
     * @param cpu     the calling CPU
     * @param mm      the address space
     * @param floor   the end of the previous VMA (or 0)
     * @param ceiling the start of the next VMA (or TASK_SIZE)
     */
    void freePgtables(Cpu cpu, Mm mm, long floor, long ceiling);

    /**
     * {@code change_protection}: rewrites the present PTEs of [start, end) with the protections of
     * {@code newVmFlags} ({@code vm_get_page_prot}); a private writable mapping keeps anonymous pages that
     * are still shared with another mm (COW) read-only. Flushes the range's TLB entries.
     *
     * @param cpu        the calling CPU
     * @param mm         the address space
     * @param vma        the VMA (its flags are already {@code newVmFlags})
     * @param start      page-aligned start
     * @param end        page-aligned end
     * @param newVmFlags the new vm_flags
     */
    void changeProtection(Cpu cpu, Mm mm, Vma vma, long start, long end, long newVmFlags);

    /**
     * {@code move_page_tables}: moves the PTEs of [oldAddr, oldAddr + len) to newAddr (mremap), the pages
     * keeping their references and mapcounts, and flushes the old range.
     *
     * @param cpu     the calling CPU
     * @param mm      the address space
     * @param oldVma  the VMA the PTEs leave
     * @param oldAddr page-aligned source
     * @param newVma  the VMA they enter
     * @param newAddr page-aligned destination
     * @param len     bytes
     * @return the bytes moved: {@code len}, or less when a page table could not be allocated
     */
    long movePageTables(Cpu cpu, Mm mm, Vma oldVma, long oldAddr, Vma newVma, long newAddr, long len);

    /**
     * {@code mm_populate} / {@code populate_vma_page_range}: faults in every page of [start, end) (for
     * write on a private writable mapping, so COW is broken up front), as MAP_POPULATE and MAP_LOCKED do.
     * Called after do_mmap with the mmap lock NOT held: it takes the read lock itself.
     *
     * @param cpu   the calling CPU
     * @param mm    the address space
     * @param start page-aligned start
     * @param end   page-aligned end
     * @return 0, or a negative errno (-ENOMEM) when a page could not be had; pages faulted in stay
     */
    int populate(Cpu cpu, Mm mm, long start, long end);
}
