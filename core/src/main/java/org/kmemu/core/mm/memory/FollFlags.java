package org.kmemu.core.mm.memory;

/**
 * {@code FOLL_*}: what a caller of the get_user_pages family asks for, with the kernel's values: the
 * public ones from include/linux/mm_types.h, the internal ones (which callers may not pass) from
 * mm/internal.h (6.x).
 */
public final class FollFlags {
    /** Fault for write, breaking COW: the page may be written through the reference. */
    public static final int FOLL_WRITE = 1 << 0;
    /** Take a page reference ({@code get_page}); release with put_page. */
    public static final int FOLL_GET = 1 << 1;
    /** Core dump: a hole or the zero page is an error, nothing is faulted in for it. */
    public static final int FOLL_DUMP = 1 << 2;
    /** Ignore the VMA's permissions (ptrace): a write to a private read-only mapping gets a private copy. */
    public static final int FOLL_FORCE = 1 << 3;
    /** Start I/O that is needed but do not wait for it (VM_FAULT_RETRY without dropping the lock). */
    public static final int FOLL_NOWAIT = 1 << 4;
    /** Do not fault anything in: a missing page is -EFAULT. */
    public static final int FOLL_NOFAULT = 1 << 5;
    /** Check for hardware-poisoned pages. */
    public static final int FOLL_HWPOISON = 1 << 6;
    /** Anonymous VMAs only. */
    public static final int FOLL_ANON = 1 << 7;
    /** The pin is held indefinitely (RDMA, VFIO): only with FOLL_PIN. */
    public static final int FOLL_LONGTERM = 1 << 8;
    /** Split a huge PMD before returning. */
    public static final int FOLL_SPLIT_PMD = 1 << 9;
    /** Allow PCI P2PDMA pages. */
    public static final int FOLL_PCI_P2PDMA = 1 << 10;
    /** Any signal, not only a fatal one, may interrupt. */
    public static final int FOLL_INTERRUPTIBLE = 1 << 11;
    /** Always take NUMA hinting faults. */
    public static final int FOLL_HONOR_NUMA_FAULT = 1 << 12;

    /** Internal: mark the page accessed (and dirty for a write). */
    public static final int FOLL_TOUCH = 1 << 16;
    /** Internal: the retry after VM_FAULT_RETRY. */
    public static final int FOLL_TRIED = 1 << 17;
    /** Internal: another task's mm. */
    public static final int FOLL_REMOTE = 1 << 18;
    /** Internal: pin ({@code pin_user_pages}); release with unpin_user_page. */
    public static final int FOLL_PIN = 1 << 19;
    /** Internal: gup-fast only, no fallback to the slow path. */
    public static final int FOLL_FAST_ONLY = 1 << 20;
    /** Internal: the mmap lock may be dropped (the caller passed {@code locked}). */
    public static final int FOLL_UNLOCKABLE = 1 << 21;
    /** The flags a caller may not pass (is_valid_gup_args refuses them). */
    static final int CALLER_FORBIDDEN = FOLL_PIN | FOLL_TRIED | FOLL_UNLOCKABLE | FOLL_REMOTE | FOLL_FAST_ONLY;

    private FollFlags() {
    }
}
