package org.kmemu.core.mmu;

import org.kmemu.api.Access;

/**
 * The kernel's page-fault handler, where {@code handle_mm_fault()} plugs in: called when a translation
 * fails and the fault is one the kernel would try to resolve. Installed machine-wide with
 * {@link Mmu#setPageFaultHandler}; the default, {@link #NO_MM}, is the kernel with no user address
 * space: every fault is a bad area.
 *
 * <p><b>When it is called.</b> By the faulting CPU's slow path ({@link Cpu}), on that CPU's thread, once
 * per fault, only after the architecture-independent part of {@code do_page_fault} has let the fault
 * through (see {@code PageFaultEntry}): the address is below TASK_SIZE (a fault on a kernel address is
 * a bad area without a handler, as x86's {@code do_kern_addr_fault()} makes it), it is not a kernel-mode
 * access outside {@code stac} on a CPU with SMAP (an oops), and page faults are enabled
 * ({@code faulthandler_disabled()}: neither {@code pagefault_disable()} nor a preempt count; the access
 * fails fast instead). During the call the CPU's uaccess window and exception-table window are closed,
 * as the exception entry's {@code clac} closes them: an access the handler itself makes through the
 * CPU and that faults is the oops it would be in the kernel.
 *
 * <p><b>What it may do.</b> Change page tables (through physical memory or {@link KernelPageTables}),
 * flush TLBs, allocate pages as this CPU, sleep (the caller is in process context). It must not return
 * {@link FaultResult#RETRY} without having changed what the walk finds, or the CPU takes the same fault
 * again; a CPU that keeps being told to retry the same access gives up with an
 * {@link IllegalStateException} naming the handler.
 *
 * <p><b>Failure.</b> A handler that throws ends the access with its exception; the CPU's state is restored
 * first.
 */
@FunctionalInterface
public interface PageFaultHandler {

    /**
     * The kernel with no mm (or with no VMA anywhere): every fault is a bad area, fixed up where the access
     * has an exception-table entry, the architecture's oops otherwise ({@code bad_area_nosemaphore()}).
     */
    PageFaultHandler NO_MM = (cpu, address, access, userMode, errorCode) -> FaultResult.FIXUP;

    /**
     * Handles one fault.
     *
     * @param cpu       the faulting CPU (its {@code current} task's mm is the one to fault in)
     * @param address   the faulting virtual address (x86 CR2, BookE DEAR)
     * @param access    the access that faulted
     * @param userMode  whether the CPU was in user mode (x86 X86_PF_USER, ppc MSR[PR])
     * @param errorCode the architecture's error word ({@link org.kmemu.api.ArchSpec#faultErrorCode}): x86's
     *                  #PF error code, BookE's ESR
     * @return {@link FaultResult#RETRY} if the tables now allow the access, {@link FaultResult#FIXUP} for a
     *         bad area, {@link FaultResult#SIGNAL} for a user-mode access answered with a signal recorded on
     *         the current task, {@link FaultResult#OOPS} for a fault no exception-table entry may fix up
     */
    FaultResult handlePageFault(Cpu cpu, long address, Access access, boolean userMode, int errorCode);
}
