package org.kmemu.core.mm.memory;

import org.kmemu.api.PageAllocator;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code do_fault()} (mm/memory.c, 6.x): the first touch of a page of a file mapping, through the file's
 * {@code vm_ops->fault}.
 * <ul>
 *   <li>Read ({@code do_read_fault}): the page-cache page is mapped with the VMA's protections (read-only
 *       for a private mapping); the reference {@code ->fault} took becomes the PTE's.</li>
 *   <li>Write to a private mapping ({@code do_cow_fault}): a new anonymous page gets a copy of the
 *       page-cache page, which is released unmapped; the file never sees the write.</li>
 *   <li>Write to a shared mapping ({@code do_shared_fault}): {@code ->page_mkwrite}, then the page-cache
 *       page is mapped writable and dirty and marked dirty ({@code fault_dirty_shared_page}).</li>
 * </ul>
 * {@code ->fault}'s VM_FAULT_RETRY (it dropped the mmap lock), SIGBUS, OOM and NOPAGE come back as they
 * are; MAJOR is kept in the result for the accounting. A VMA whose file has no {@code vm_ops} is
 * VM_FAULT_SIGBUS, as a VMA without {@code ->fault} is.
 */
final class FileFault {
    private static final int FAULT_STOP = VmFaultCodes.VM_FAULT_ERROR | VmFaultCodes.VM_FAULT_NOPAGE
            | VmFaultCodes.VM_FAULT_RETRY | VmFaultCodes.VM_FAULT_DONE_COW;

    private final FaultSupport s;

    FileFault(FaultSupport s) {
        this.s = s;
    }

    int doFault(Cpu cpu, Mm mm, Vma vma, long address, long ptep, int flags) {
        VmOperations ops = vma.file().vmOps();
        if (ops == null) {
            return VmFaultCodes.VM_FAULT_SIGBUS;
        }
        VmFault vmf = new VmFault(cpu, mm, vma, address, s.rmap.linearPageIndex(vma, address), flags);
        if ((flags & FaultFlags.FAULT_FLAG_WRITE) == 0) {
            return doReadFault(cpu, mm, vma, ptep, ops, vmf);
        }
        if ((vma.flags() & VmFlags.VM_SHARED) == 0) {
            return doCowFault(cpu, mm, vma, ptep, ops, vmf);
        }
        return doSharedFault(cpu, mm, vma, ptep, ops, vmf);
    }

    /** {@code __do_fault()}: ->fault, and a check that it kept its side of the contract. */
    private static int callFault(VmOperations ops, VmFault vmf) {
        int ret = ops.fault(vmf);
        if ((ret & FAULT_STOP) != 0) {
            return ret;
        }
        if (vmf.pfn < 0) {
            throw new IllegalStateException(String.format("%s->fault: returned %#x without a page for pgoff %#x "
                    + "(expected: vmf.pfn set, or an error, RETRY or NOPAGE)", ops, ret, vmf.pgoff));
        }
        return ret;
    }

    private void release(Cpu cpu, VmFault vmf, int ret) {
        if ((ret & VmFaultCodes.VM_FAULT_LOCKED) != 0) {
            s.pages.unlockPage(vmf.pfn);
        }
        s.pages.putPage(cpu, vmf.pfn);
    }

    private int doReadFault(Cpu cpu, Mm mm, Vma vma, long ptep, VmOperations ops, VmFault vmf) {
        int ret = callFault(ops, vmf);
        if ((ret & FAULT_STOP) != 0) {
            return ret;
        }
        ret |= finishFault(cpu, mm, vma, ptep, vmf.pfn, vmf.address, false, false);
        if ((ret & VmFaultCodes.VM_FAULT_LOCKED) != 0) {
            s.pages.unlockPage(vmf.pfn);
        }
        if ((ret & VmFaultCodes.VM_FAULT_NOPAGE) != 0) {
            s.pages.putPage(cpu, vmf.pfn);
        }
        return ret;
    }

    private int doCowFault(Cpu cpu, Mm mm, Vma vma, long ptep, VmOperations ops, VmFault vmf) {
        s.rmap.anonVmaPrepare(mm, vma);
        long cow = s.allocUserPage(cpu, false);
        if (cow == PageAllocator.NO_PFN) {
            return VmFaultCodes.VM_FAULT_OOM;
        }
        int ret = callFault(ops, vmf);
        if ((ret & FAULT_STOP) != 0) {
            s.pages.putPage(cpu, cow);
            return ret;
        }
        s.copyUserPage(cow, vmf.pfn);
        release(cpu, vmf, ret);
        ret |= finishFault(cpu, mm, vma, ptep, cow, vmf.address, true, true);
        if ((ret & VmFaultCodes.VM_FAULT_NOPAGE) != 0) {
            s.pages.putPage(cpu, cow);
        }
        return ret;
    }

    private int doSharedFault(Cpu cpu, Mm mm, Vma vma, long ptep, VmOperations ops, VmFault vmf) {
        int ret = callFault(ops, vmf);
        if ((ret & FAULT_STOP) != 0) {
            return ret;
        }
        int mk = ops.pageMkwrite(vmf);
        if ((mk & (VmFaultCodes.VM_FAULT_ERROR | VmFaultCodes.VM_FAULT_NOPAGE)) != 0) {
            release(cpu, vmf, ret);
            return mk;
        }
        ret |= finishFault(cpu, mm, vma, ptep, vmf.pfn, vmf.address, true, false);
        if ((ret & VmFaultCodes.VM_FAULT_LOCKED) != 0) {
            s.pages.unlockPage(vmf.pfn);
        }
        if ((ret & VmFaultCodes.VM_FAULT_NOPAGE) != 0) {
            s.pages.putPage(cpu, vmf.pfn);
            return ret;
        }
        s.pages.setPageDirty(vmf.pfn); // fault_dirty_shared_page()
        return ret;
    }

    /**
     * {@code finish_fault()} → {@code set_pte_range()}: maps the page unless another CPU mapped something
     * there first (then VM_FAULT_NOPAGE, and the caller drops its reference).
     */
    private int finishFault(Cpu cpu, Mm mm, Vma vma, long ptep, long pfn, long address, boolean write, boolean anon) {
        long entry = s.entry(pfn, vma, FaultSupport.faultExtra(write, vma.flags()));
        synchronized (mm.pageTableLock()) {
            if (!UserPageTables.pteNone(s.tables.readPte(ptep))) {
                return VmFaultCodes.VM_FAULT_NOPAGE;
            }
            if (anon) {
                AnonVma av = s.rmap.anonVmaPrepare(mm, vma);
                s.rmap.addNewAnonRmap(pfn, av, s.rmap.linearPageIndex(vma, address));
                mm.addRss(Mm.MM_ANONPAGES, 1);
            } else {
                s.rmap.addFileRmap(pfn);
                mm.addRss(s.mmCounter(vma, pfn), 1);
            }
            s.tables.writePte(ptep, entry);
        }
        return 0;
    }
}
