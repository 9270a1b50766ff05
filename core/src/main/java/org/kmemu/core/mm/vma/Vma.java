package org.kmemu.core.mm.vma;

/**
 * A {@code struct vm_area_struct}: the range [vm_start, vm_end) of one mm with one set of flags, one
 * backing (file and page offset, or anonymous memory) and one anon_vma. The bounds and page offset
 * change only through the mm's {@link VmaTree} (merge, split), which keeps its index right.
 */
public final class Vma {
    private long start;
    private long end;
    private long flags;
    private long pgoff;
    private final VmFile file;
    private AnonVma anonVma;

    /**
     * @param start   vm_start, page aligned
     * @param end     vm_end, page aligned, above start
     * @param flags   {@link VmFlags} bits
     * @param pgoff   vm_pgoff: the file page at vm_start (for private anonymous memory, vm_start's page number)
     * @param file    vm_file, or null for anonymous memory
     * @param anonVma the anon_vma, or null
     */
    public Vma(long start, long end, long flags, long pgoff, VmFile file, AnonVma anonVma) {
        if (Long.compareUnsigned(start, end) >= 0) {
            throw new IllegalArgumentException(String.format("vma [%#x, %#x): empty", start, end));
        }
        this.start = start;
        this.end = end;
        this.flags = flags;
        this.pgoff = pgoff;
        this.file = file;
        this.anonVma = anonVma;
    }

    /** @return vm_start */
    public long start() {
        return start;
    }

    /** @return vm_end (exclusive) */
    public long end() {
        return end;
    }

    /** @return vm_flags */
    public long flags() {
        return flags;
    }

    /** @return vm_pgoff */
    public long pgoff() {
        return pgoff;
    }

    /** @return vm_file, or null */
    public VmFile file() {
        return file;
    }

    /** @return the anon_vma, or null */
    public AnonVma anonVma() {
        return anonVma;
    }

    /**
     * Sets the anon_vma the first anonymous fault makes ({@code anon_vma_prepare}).
     *
     * @param anonVma the anon_vma
     */
    public void setAnonVma(AnonVma anonVma) {
        this.anonVma = anonVma;
    }

    /** @return vma_pages(): the length in pages of {@code pageShift} */
    long pages(int pageShift) {
        return (end - start) >>> pageShift;
    }

    /**
     * {@code vm_flags_set()} (include/linux/mm.h): a driver's ->mmap (or remap_pfn_range, vm_insert_page
     * under it) marks the VMA it was given, with the mmap lock held for write.
     *
     * @param flags {@link VmFlags} bits to add
     */
    public void vmFlagsSet(long flags) {
        this.flags |= flags;
    }

    /**
     * remap_pfn_range's copy-on-write rule: a private mapping records the first pfn in vm_pgoff so that
     * vm_normal_page can tell the original pfns from COWed pages (mm/memory.c get_remap_pgoff).
     *
     * @param pgoff the new vm_pgoff
     */
    public void setRemapPgoff(long pgoff) {
        this.pgoff = pgoff;
    }

    void setBounds(long start, long end, long pgoff) {
        this.start = start;
        this.end = end;
        this.pgoff = pgoff;
    }

    void setFlags(long flags) {
        this.flags = flags;
    }

    @Override
    public String toString() {
        return String.format("vma [%#x-%#x) flags %#x pgoff %#x%s%s", start, end, flags, pgoff,
                file == null ? "" : " " + file.path(), anonVma == null ? "" : " " + anonVma);
    }
}
