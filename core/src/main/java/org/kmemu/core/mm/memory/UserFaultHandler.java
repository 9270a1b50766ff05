package org.kmemu.core.mm.memory;

import org.kmemu.api.Access;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.MmapLock;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.FaultResult;
import org.kmemu.core.mmu.PageFaultHandler;
import org.kmemu.core.sched.MmStruct;
import org.kmemu.core.sched.SigInfo;
import org.kmemu.core.sched.Task;

/**
 * The architecture's page-fault handler for user addresses, in x86's {@code do_user_addr_fault()} order
 * (arch/x86/mm/fault.c; ppc32's {@code ___do_page_fault()}, arch/powerpc/mm/fault.c, makes the same
 * decisions for what kmemu models). {@code PageFaultEntry} has already sent kernel addresses, SMAP
 * violations and faults with page faults disabled elsewhere.
 * <ol>
 *   <li>{@code current->mm}: a kernel thread (or no task) has none: {@code bad_area_nosemaphore}.</li>
 *   <li>{@code lock_mm_and_find_vma()} (mm/memory.c, 6.5+): the mmap lock for read, {@code find_vma};
 *       an address below a VM_GROWSDOWN VMA takes the lock for write and expands the stack
 *       ({@code expand_downwards}, mm/mmap.c: not below mmap_min_addr, stack_guard_gap (256 pages) above
 *       an accessible non-stack VMA, RLIMIT_STACK's default 8 MiB), then downgrades it.</li>
 *   <li>{@code access_error()}: a write to a VMA without VM_WRITE, an instruction fetch from one without
 *       VM_EXEC, a read from one with none of VM_READ, VM_WRITE, VM_EXEC: SEGV_ACCERR.</li>
 *   <li>{@link MmFault#handleMmFault} with FAULT_FLAG_DEFAULT, plus USER, WRITE, INSTRUCTION as the
 *       access says. VM_FAULT_RETRY (the lock already dropped): again with FAULT_FLAG_TRIED.</li>
 *   <li>Errors ({@code mm_fault_error}): OOM, SIGBUS and SIGSEGV. In user mode the task is sent the
 *       signal ({@code force_sig_fault}: SIGSEGV with SEGV_MAPERR for no VMA, SEGV_ACCERR for a permission,
 *       SIGBUS with BUS_ADRERR) and the access ends with {@link FaultResult#SIGNAL}; the machine goes on.
 *       In kernel mode every error is {@code kernelmode_fixup_or_oops}: {@link FaultResult#FIXUP}, which is
 *       a short copy inside a uaccess helper and the oops outside one.</li>
 *   <li>User-mode OOM ({@code pagefault_out_of_memory}): kmemu has no OOM killer to pick a victim, so it
 *       does what {@code oom_kill_allocating_task} does: the faulting task is killed (SIGKILL, SI_KERNEL).</li>
 * </ol>
 * Stateless but for its collaborators; called on the faulting CPU's thread.
 */
public final class UserFaultHandler implements PageFaultHandler {
    /** Retries of one fault before the handler gives up on a ->fault that keeps asking (the kernel loops). */
    static final int MAX_RETRIES = 64;

    private final MmFault fault;

    /** @param fault handle_mm_fault */
    public UserFaultHandler(MmFault fault) {
        this.fault = fault;
    }

    @Override
    public FaultResult handlePageFault(Cpu cpu, long address, Access access, boolean userMode, int errorCode) {
        Task task = cpu.current();
        MmStruct m = task == null ? null : task.mm();
        if (!(m instanceof Mm mm)) {
            return badArea(task, userMode, address, SigInfo.SEGV_MAPERR);
        }
        int flags = FaultFlags.FAULT_FLAG_DEFAULT;
        if (userMode) {
            flags |= FaultFlags.FAULT_FLAG_USER;
        }
        if (access == Access.WRITE) {
            flags |= FaultFlags.FAULT_FLAG_WRITE;
        } else if (access == Access.EXECUTE) {
            flags |= FaultFlags.FAULT_FLAG_INSTRUCTION;
        }
        MmapLock lock = mm.mmapLock();
        for (int tries = 0; ; tries++) {
            Vma vma = lockMmAndFindVma(mm, address);
            if (vma == null) {
                return badArea(task, userMode, address, SigInfo.SEGV_MAPERR);
            }
            if (accessError(access, vma.flags())) {
                lock.readUnlock();
                return badArea(task, userMode, address, SigInfo.SEGV_ACCERR);
            }
            int ret = fault.handleMmFault(cpu, mm, vma, address, flags);
            if ((ret & VmFaultCodes.VM_FAULT_COMPLETED) != 0) {
                return FaultResult.RETRY;
            }
            if ((ret & VmFaultCodes.VM_FAULT_RETRY) != 0) {
                if ((flags & FaultFlags.FAULT_FLAG_RETRY_NOWAIT) != 0) {
                    lock.readUnlock();
                }
                if (tries + 1 >= MAX_RETRIES) {
                    throw new IllegalStateException(String.format("handle_mm_fault: VM_FAULT_RETRY %d times at %#x in %s "
                            + "(expected: ->fault maps the page when FAULT_FLAG_TRIED is set)", MAX_RETRIES, address, vma));
                }
                flags |= FaultFlags.FAULT_FLAG_TRIED;
                continue;
            }
            lock.readUnlock();
            if ((ret & VmFaultCodes.VM_FAULT_ERROR) == 0) {
                return FaultResult.RETRY;
            }
            return mmFaultError(task, userMode, address, ret);
        }
    }

    /**
     * {@code lock_mm_and_find_vma()}: returns the VMA with the mmap lock held for read, or null with it
     * released.
     */
    private static Vma lockMmAndFindVma(Mm mm, long address) {
        MmapLock lock = mm.mmapLock();
        lock.readLock();
        Vma vma = mm.vmas().findVma(address);
        if (vma != null && Long.compareUnsigned(vma.start(), address) <= 0) {
            return vma;
        }
        if (vma == null || (vma.flags() & VmFlags.VM_GROWSDOWN) == 0) {
            lock.readUnlock();
            return null;
        }
        lock.readUnlock();
        lock.writeLock();
        vma = mm.vmas().findVma(address);
        if (vma == null || (Long.compareUnsigned(vma.start(), address) > 0 && !expandDownwards(mm, vma, address))) {
            lock.writeUnlock();
            return null;
        }
        lock.writeDowngrade();
        return vma;
    }

    /** {@code expand_downwards()} (mm/mmap.c, 6.x). */
    private static boolean expandDownwards(Mm mm, Vma vma, long address) {
        if ((vma.flags() & VmFlags.VM_GROWSDOWN) == 0) {
            return false;
        }
        MmapLayout layout = mm.layout();
        long start = address & -layout.pageSize();
        if (Long.compareUnsigned(start, layout.mmapMinAddr()) < 0) {
            return false; // -EPERM
        }
        Vma prev = mm.vmas().prev(vma);
        if (prev != null && (prev.flags() & VmFlags.VM_GROWSDOWN) == 0 && PageProt.accessible(prev.flags())
                && Long.compareUnsigned(start - prev.end(), layout.stackGuardGap()) < 0) {
            return false; // -ENOMEM: the guard gap
        }
        if (Long.compareUnsigned(vma.end() - start, MmapLayout.STK_LIM) > 0) {
            return false; // acct_stack_growth(): size > rlimit(RLIMIT_STACK)
        }
        mm.vmas().expandDownwards(vma, start);
        return true;
    }

    /** {@code access_error()} (arch/x86/mm/fault.c) for what kmemu's error codes carry. */
    private static boolean accessError(Access access, long vmFlags) {
        return switch (access) {
            case WRITE -> (vmFlags & VmFlags.VM_WRITE) == 0;
            case EXECUTE -> (vmFlags & VmFlags.VM_EXEC) == 0;
            default -> !PageProt.accessible(vmFlags);
        };
    }

    /** {@code __bad_area_nosemaphore()}: a signal in user mode, the fixup (or oops) in kernel mode. */
    private static FaultResult badArea(Task task, boolean userMode, long address, int code) {
        if (!userMode || task == null) {
            return FaultResult.FIXUP;
        }
        task.forceSig(new SigInfo(SigInfo.SIGSEGV, code, address));
        return FaultResult.SIGNAL;
    }

    /** {@code mm_fault_error()}. */
    private static FaultResult mmFaultError(Task task, boolean userMode, long address, int ret) {
        if (!userMode || task == null) {
            return FaultResult.FIXUP; // kernelmode_fixup_or_oops()
        }
        if ((ret & VmFaultCodes.VM_FAULT_OOM) != 0) {
            task.forceSig(new SigInfo(SigInfo.SIGKILL, SigInfo.SI_KERNEL, 0));
            return FaultResult.SIGNAL;
        }
        if ((ret & (VmFaultCodes.VM_FAULT_SIGBUS | VmFaultCodes.VM_FAULT_HWPOISON | VmFaultCodes.VM_FAULT_HWPOISON_LARGE)) != 0) {
            task.forceSig(new SigInfo(SigInfo.SIGBUS, SigInfo.BUS_ADRERR, address));
            return FaultResult.SIGNAL;
        }
        return badArea(task, true, address, SigInfo.SEGV_MAPERR);
    }
}
