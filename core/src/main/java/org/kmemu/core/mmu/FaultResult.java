package org.kmemu.core.mmu;

/**
 * What the kernel's page-fault handler made of a fault: what {@code handle_mm_fault()}'s result and the
 * architecture's {@code do_page_fault()} tail decide between.
 */
public enum FaultResult {
    /**
     * The handler fixed the page tables (a page was mapped, a write-protect fault broken, the lock was
     * dropped and the fault must be taken again: VM_FAULT_RETRY): the CPU walks the tables again and the
     * access goes on, as the faulting instruction is restarted.
     */
    RETRY,
    /**
     * The access cannot be satisfied (the kernel's {@code bad_area()}: no mm, no VMA, no permission, page
     * faults disabled). A kernel-mode access with an exception-table entry is fixed up: it fails and the
     * uaccess helper that made it returns its short count or -EFAULT ({@code kernelmode_fixup_or_oops()},
     * arch/x86/mm/fault.c). Without an entry, and in user mode until tasks take signals, it is the
     * architecture's oops.
     */
    FIXUP,
    /** A kernel bug whatever the exception table says (x86's SMAP violation): the architecture's oops. */
    OOPS,
    /**
     * A user-mode access the kernel answered with a signal to the current task ({@code force_sig_fault}:
     * SIGSEGV for a bad area, SIGBUS for a mapping that cannot supply the page, SIGKILL from the OOM
     * path), already recorded on the task ({@link org.kmemu.core.sched.Task#pendingSignal()}). The access
     * fails with {@link UserFaultSignal}; the machine goes on. Returned for a kernel-mode access it is
     * taken as {@link #FIXUP}.
     */
    SIGNAL
}
