package org.kmemu.core.mm.vma;

/**
 * {@code vm_flags} bits with the kernel's values (include/linux/mm.h, 6.x). kmemu's architectures have no
 * upward-growing stack, so VM_GROWSUP is VM_NONE as on x86 and powerpc.
 */
public final class VmFlags {
    /** No access. */
    public static final long VM_NONE = 0;
    /** Readable. */
    public static final long VM_READ = 0x1;
    /** Writable. */
    public static final long VM_WRITE = 0x2;
    /** Executable. */
    public static final long VM_EXEC = 0x4;
    /** Shared mapping. */
    public static final long VM_SHARED = 0x8;
    /** mprotect may add VM_READ. */
    public static final long VM_MAYREAD = 0x10;
    /** mprotect may add VM_WRITE. */
    public static final long VM_MAYWRITE = 0x20;
    /** mprotect may add VM_EXEC. */
    public static final long VM_MAYEXEC = 0x40;
    /** Mapped MAP_SHARED (even if not writable). */
    public static final long VM_MAYSHARE = 0x80;
    /** A stack that grows down. */
    public static final long VM_GROWSDOWN = 0x100;
    /** userfaultfd missing-page tracking. */
    public static final long VM_UFFD_MISSING = 0x200;
    /** Page frames with no struct page behind them (remap_pfn_range). */
    public static final long VM_PFNMAP = 0x400;
    /** userfaultfd write-protect tracking. */
    public static final long VM_UFFD_WP = 0x1000;
    /** mlock'ed. */
    public static final long VM_LOCKED = 0x2000;
    /** Memory-mapped I/O. */
    public static final long VM_IO = 0x4000;
    /** madvise(MADV_SEQUENTIAL). */
    public static final long VM_SEQ_READ = 0x8000;
    /** madvise(MADV_RANDOM). */
    public static final long VM_RAND_READ = 0x10000;
    /** Not copied on fork. */
    public static final long VM_DONTCOPY = 0x20000;
    /** mremap may not expand it. */
    public static final long VM_DONTEXPAND = 0x40000;
    /** mlock2(MLOCK_ONFAULT). */
    public static final long VM_LOCKONFAULT = 0x80000;
    /** Charged to the commit limit. */
    public static final long VM_ACCOUNT = 0x100000;
    /** MAP_NORESERVE. */
    public static final long VM_NORESERVE = 0x200000;
    /** hugetlbfs. */
    public static final long VM_HUGETLB = 0x400000;
    /** MAP_SYNC. */
    public static final long VM_SYNC = 0x800000;
    /** Architecture-specific flag 1. */
    public static final long VM_ARCH_1 = 0x1000000;
    /** madvise(MADV_WIPEONFORK). */
    public static final long VM_WIPEONFORK = 0x2000000;
    /** Not in core dumps. */
    public static final long VM_DONTDUMP = 0x4000000;
    /** Soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY); ignored when deciding a merge. */
    public static final long VM_SOFTDIRTY = 0x8000000;
    /** Page frames with or without struct page (vm_insert_page and friends). */
    public static final long VM_MIXEDMAP = 0x10000000;
    /** madvise(MADV_HUGEPAGE). */
    public static final long VM_HUGEPAGE = 0x20000000;
    /** madvise(MADV_NOHUGEPAGE). */
    public static final long VM_NOHUGEPAGE = 0x40000000;
    /** KSM may merge its pages. */
    public static final long VM_MERGEABLE = 0x80000000L;
    /** Upward-growing stack: none on x86 and powerpc (VM_NONE). */
    public static final long VM_GROWSUP = VM_NONE;
    /** What never merges and never expands: {@code VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP}. */
    public static final long VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

    private VmFlags() {
    }
}
