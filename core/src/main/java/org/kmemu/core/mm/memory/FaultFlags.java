package org.kmemu.core.mm.memory;

/**
 * {@code enum fault_flag}: what the caller of {@code handle_mm_fault()} tells it, with the kernel's values
 * (include/linux/mm_types.h, 6.x).
 */
public final class FaultFlags {
    /** A write fault. */
    public static final int FAULT_FLAG_WRITE = 1 << 0;
    /** A write fault on a present, write-protected PTE (mkwrite). */
    public static final int FAULT_FLAG_MKWRITE = 1 << 1;
    /** The handler may drop the mmap lock and return VM_FAULT_RETRY. */
    public static final int FAULT_FLAG_ALLOW_RETRY = 1 << 2;
    /** With ALLOW_RETRY: return VM_FAULT_RETRY without dropping the lock and without waiting. */
    public static final int FAULT_FLAG_RETRY_NOWAIT = 1 << 3;
    /** Waits may be interrupted by a fatal signal. */
    public static final int FAULT_FLAG_KILLABLE = 1 << 4;
    /** This is the retry after a VM_FAULT_RETRY: the handler must not ask to retry again. */
    public static final int FAULT_FLAG_TRIED = 1 << 5;
    /** The fault came from user mode. */
    public static final int FAULT_FLAG_USER = 1 << 6;
    /** Faulting in another task's mm (get_user_pages_remote, access_process_vm). */
    public static final int FAULT_FLAG_REMOTE = 1 << 7;
    /** An instruction fetch. */
    public static final int FAULT_FLAG_INSTRUCTION = 1 << 8;
    /** Waits may be interrupted by any signal. */
    public static final int FAULT_FLAG_INTERRUPTIBLE = 1 << 9;
    /** Unshare a shared anonymous page (break COW) without writing (FOLL_PIN of a read-only COW page). */
    public static final int FAULT_FLAG_UNSHARE = 1 << 10;
    /** The default for a user fault: {@code ALLOW_RETRY | KILLABLE | INTERRUPTIBLE}. */
    public static final int FAULT_FLAG_DEFAULT = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE | FAULT_FLAG_INTERRUPTIBLE;

    private FaultFlags() {
    }
}
