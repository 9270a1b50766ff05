package org.kmemu.core.mmu;

import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.PageFault;
import org.kmemu.core.trace.Tracepoints;

/**
 * The architecture-independent part of the kernel's page-fault entry: which faults reach the
 * {@link PageFaultHandler} and which are a bad area or an oops at once. The order is x86's
 * ({@code handle_page_fault()} → {@code do_kern_addr_fault()} / {@code do_user_addr_fault()},
 * arch/x86/mm/fault.c); ppc32's {@code ___do_page_fault()} (arch/powerpc/mm/fault.c) comes to the same
 * results for what kmemu models:
 * <ol>
 *   <li>An address at or above TASK_SIZE ({@code fault_in_kernel_space()}): a bad area without the
 *       handler. The kernel's own mappings are never faulted in (x86 dropped vmalloc_fault in 5.9;
 *       on ppc32 find_vma finds no VMA there).</li>
 *   <li>A kernel-mode access to a user address while EFLAGS.AC is clear, on a CPU with SMAP: the oops,
 *       with no exception-table fixup ("No extable entry here. This was a kernel access to an invalid
 *       pointer").</li>
 *   <li>{@code faulthandler_disabled()} ({@code pagefault_disable()} nesting or a preempt count, as under
 *       kmap_atomic or a spinlock): {@code bad_area_nosemaphore()}, without the handler, so a uaccess
 *       helper fails fast.</li>
 *   <li>Otherwise the handler ({@code handle_mm_fault()}'s place).</li>
 * </ol>
 * Reserved-bit faults ({@code pgtable_bad()}) and ppc's KUAP are not modelled. Immutable but for the
 * handler, which is published through a volatile field; shared by all CPUs.
 */
final class PageFaultEntry {
    private final ArchSpec arch;
    private final long taskSize;
    private final boolean smap;
    private volatile PageFaultHandler handler = PageFaultHandler.NO_MM;
    private final Tracepoints trace;

    /**
     * @param arch     the architecture: its error code and its oops text
     * @param taskSize TASK_SIZE: the first address above user space
     * @param smap     whether the CPUs have SMAP
     * @param trace    the machine's tracepoints (page_fault_user, page_fault_kernel)
     */
    PageFaultEntry(ArchSpec arch, long taskSize, boolean smap, Tracepoints trace) {
        this.arch = arch;
        this.trace = trace;
        this.taskSize = taskSize;
        this.smap = smap;
    }

    PageFaultHandler handler() {
        return handler;
    }

    void setHandler(PageFaultHandler handler) {
        this.handler = java.util.Objects.requireNonNull(handler, "handler");
    }

    /**
     * Decides a fault.
     *
     * @param cpu         the faulting CPU, its uaccess and fixup windows already closed
     * @param f           the fault
     * @param uaccessOpen whether the access was made inside stac/clac (EFLAGS.AC)
     * @return what the kernel makes of it
     */
    FaultResult resolve(Cpu cpu, PageFault f, boolean uaccessOpen) {
        if (trace.active()) {
            // x86's handle_page_fault() traces every fault first (trace_page_fault_entries, arch/x86/mm/fault.c),
            // user_mode(regs) choosing the event; kmemu does the same on every architecture. No instruction
            // runs here, so ip is the address of an instruction fetch and 0 for a data access.
            trace.pageFault(cpu.id(), cpu.clockNanos(), cpu.traceComm(), cpu.tracePid(), f.userMode(), f.address(),
                    f.access() == Access.EXECUTE ? f.address() : 0, arch.faultErrorCode(f) & 0xffff_ffffL);
        }
        if (Long.compareUnsigned(f.address(), taskSize) >= 0) {
            return FaultResult.FIXUP;
        }
        if (smap && !f.userMode() && !uaccessOpen) {
            return FaultResult.OOPS;
        }
        if (cpu.pagefaultDisabled() > 0 || cpu.preemptCount() > 0) {
            return FaultResult.FIXUP;
        }
        PageFaultHandler h = handler;
        FaultResult r = h.handlePageFault(cpu, f.address(), f.access(), f.userMode(), arch.faultErrorCode(f));
        if (r == null) {
            throw new IllegalStateException("page fault handler " + h + ": returned null (expected: RETRY, FIXUP or OOPS)");
        }
        return r;
    }

    /** @return the architecture's oops text for a fault */
    List<String> report(PageFault f) {
        return arch.faultReport(f);
    }
}
