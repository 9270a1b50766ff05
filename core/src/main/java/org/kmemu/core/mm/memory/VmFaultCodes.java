package org.kmemu.core.mm.memory;

/**
 * {@code vm_fault_t}: the bits {@code handle_mm_fault()} and a mapping's {@code ->fault} return, with the
 * kernel's values (include/linux/mm_types.h, enum vm_fault_reason, 6.x). A result of 0 means the page is
 * mapped; {@link #VM_FAULT_RETRY} means the mmap lock was dropped (unless FAULT_FLAG_RETRY_NOWAIT) and
 * the caller must look the VMA up again before retrying.
 */
public final class VmFaultCodes {
    /** Out of memory: the caller's OOM path runs. */
    public static final int VM_FAULT_OOM = 0x000001;
    /** Bad access the mapping cannot satisfy (past EOF, I/O error): SIGBUS. */
    public static final int VM_FAULT_SIGBUS = 0x000002;
    /** The page needed I/O (a major fault: pgmajfault, maj_flt). */
    public static final int VM_FAULT_MAJOR = 0x000004;
    /** A poisoned page was hit. */
    public static final int VM_FAULT_HWPOISON = 0x000010;
    /** A poisoned large page was hit. */
    public static final int VM_FAULT_HWPOISON_LARGE = 0x000020;
    /** A bad access: SIGSEGV. */
    public static final int VM_FAULT_SIGSEGV = 0x000040;
    /** ->fault installed the PTE itself; no page to map. */
    public static final int VM_FAULT_NOPAGE = 0x000100;
    /** ->fault returned the page locked (PG_locked held). */
    public static final int VM_FAULT_LOCKED = 0x000200;
    /** The fault must be retried: the mmap lock has been dropped (filemap_fault waiting for I/O). */
    public static final int VM_FAULT_RETRY = 0x000400;
    /** A huge page fault fell back to base pages. */
    public static final int VM_FAULT_FALLBACK = 0x000800;
    /** ->fault did the COW itself. */
    public static final int VM_FAULT_DONE_COW = 0x001000;
    /** The page needs an fsync before it can be made writable (MAP_SYNC). */
    public static final int VM_FAULT_NEEDDSYNC = 0x002000;
    /** The fault completed with the mmap lock released. */
    public static final int VM_FAULT_COMPLETED = 0x004000;
    /** {@code VM_FAULT_ERROR}: the bits that mean the fault failed. */
    public static final int VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON
            | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK;

    private VmFaultCodes() {
    }
}
