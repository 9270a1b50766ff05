package org.kmemu.core.kernel;

/**
 * One range of the vmalloc space as {@link Vmalloc} tracks it: the kernel's {@code struct vmap_area}
 * together with its {@code struct vm_struct} (mm/vmalloc.c, include/linux/vmalloc.h). The range
 * [{@code vaStart}, {@code vaEnd}) includes the guard page at its end, so {@link #size()} is what
 * /proc/vmallocinfo prints and {@link #usableSize()} is {@code get_vm_area_size()}.
 *
 * <p>Immutable: the page array is copied in and out. A snapshot; the area may have been freed since.
 *
 * @param vaStart    the first address ({@code va_start}, {@code vm->addr})
 * @param vaEnd      one past the guard page ({@code va_end})
 * @param flags      {@link Vmalloc#VM_ALLOC}, {@link Vmalloc#VM_MAP}, {@link Vmalloc#VM_UNINITIALIZED}
 * @param caller     who allocated it, as {@code %pS} prints the caller (may be null: then not printed)
 * @param pages      the backing pages' pfns ({@code vm->pages}; {@code nr_pages} is its length): the
 *                   pages vfree() frees; empty for vmap areas, whose pages belong to the caller
 * @param pagesArray the vmalloc address of the page array when it was itself vmalloc'ed (the
 *                   {@code vpages} flag of /proc/vmallocinfo), else 0
 * @param physAddr   {@code vm->phys_addr}: the physical address an ioremap area maps (page-aligned), else 0
 */
public record VmapArea(long vaStart, long vaEnd, int flags, String caller, long[] pages, long pagesArray, long physAddr) {

    /** Copies the page array. */
    public VmapArea {
        pages = pages.clone();
    }

    /**
     * An area that maps no physical range of its own (vmalloc, vmap).
     *
     * @param vaStart    the first address
     * @param vaEnd      one past the guard page
     * @param flags      the VM_ flags
     * @param caller     the caller, or null
     * @param pages      the backing pages' pfns
     * @param pagesArray the vmalloc'ed page array's address, or 0
     */
    public VmapArea(long vaStart, long vaEnd, int flags, String caller, long[] pages, long pagesArray) {
        this(vaStart, vaEnd, flags, caller, pages, pagesArray, 0);
    }

    /** @return a copy of the backing pages' pfns */
    @Override
    public long[] pages() {
        return pages.clone();
    }

    /** @return {@code nr_pages}: pages vfree() will free */
    public int nrPages() {
        return pages.length;
    }

    /** @param i an index below {@link #nrPages()} @return the i-th backing page's pfn, without a copy */
    long page(int i) {
        return pages[i];
    }

    /** @return {@code vm->size}: bytes of address space, the guard page included */
    public long size() {
        return vaEnd - vaStart;
    }

    /**
     * @param pageSize PAGE_SIZE
     * @return {@code get_vm_area_size()}: bytes that may be mapped, without the guard page
     */
    public long usableSize(long pageSize) {
        return size() - pageSize;
    }

    /** @param addr an address @return whether it lies in [vaStart, vaEnd), guard page included */
    public boolean contains(long addr) {
        return Long.compareUnsigned(addr, vaStart) >= 0 && Long.compareUnsigned(addr, vaEnd) < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VmapArea v && v.vaStart == vaStart && v.vaEnd == vaEnd && v.flags == flags
                && java.util.Objects.equals(v.caller, caller) && java.util.Arrays.equals(v.pages, pages)
                && v.pagesArray == pagesArray && v.physAddr == physAddr;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(vaStart, vaEnd, flags, caller, java.util.Arrays.hashCode(pages), pagesArray, physAddr);
    }

    @Override
    public String toString() {
        return String.format("VmapArea[%#x-%#x, flags=%#x, caller=%s, nr_pages=%d, pagesArray=%#x, phys_addr=%#x]", vaStart,
                vaEnd, flags, caller, pages.length, pagesArray, physAddr);
    }
}
