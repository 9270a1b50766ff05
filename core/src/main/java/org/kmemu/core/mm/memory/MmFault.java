package org.kmemu.core.mm.memory;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * {@code handle_mm_fault()} (mm/memory.c, 6.x) for base pages: {@code __handle_mm_fault} allocates the
 * tables down to the PTE, {@code handle_pte_fault} picks the case, and {@code mm_account_fault} counts.
 * <ul>
 *   <li>Empty PTE, anonymous VMA: {@code do_anonymous_page}. A read maps the shared zero page read-only
 *       ({@code my_zero_pfn}, no reference, no mapcount, no RSS: {@code pte_mkspecial}); a write gets a
 *       new zeroed page with an anonymous rmap, counted in MM_ANONPAGES.</li>
 *   <li>Empty PTE, file VMA: {@link FileFault}.</li>
 *   <li>Present PTE, write or unshare without write permission: {@link WpFault}.</li>
 *   <li>Present PTE otherwise (another CPU mapped it, or the TLB was stale): the PTE is made young, and
 *       dirty for a write, and the local TLB entry dropped ({@code flush_tlb_fix_spurious_fault}).</li>
 *   <li>A PROT_NONE PTE: mapped again with the VMA's protections if it now has any, else
 *       VM_FAULT_SIGSEGV.</li>
 * </ul>
 * VMA permissions are NOT checked here: the architecture's handler checks them ({@code access_error}) and
 * GUP with FOLL_FORCE relies on their absence. The caller holds the mmap lock for read; on VM_FAULT_RETRY
 * it has been dropped by {@code ->fault} (unless FAULT_FLAG_RETRY_NOWAIT).
 *
 * <p>Locking: each PTE is read, checked and written under {@link Mm#pageTableLock()}; pages are
 * allocated and copied outside it, and the PTE is checked again before it is written (another CPU may
 * have handled the same fault: the loser frees its page and returns 0).
 */
public final class MmFault {
    private final FaultSupport s;
    private final WpFault wp;
    private final FileFault file;
    private final VmEvents events;

    MmFault(FaultSupport s, VmEvents events) {
        this.s = s;
        this.wp = new WpFault(s);
        this.file = new FileFault(s);
        this.events = events;
    }

    /**
     * {@code handle_mm_fault(vma, address, flags, regs)}.
     *
     * @param cpu     the faulting CPU (pages and tables are allocated as this CPU)
     * @param mm      the address space (vma's mm), its mmap lock held for read
     * @param vma     the VMA containing address
     * @param address the faulting address
     * @param flags   {@link FaultFlags} bits
     * @return {@link VmFaultCodes} bits: 0 (or NOPAGE, MAJOR) when the page is mapped
     */
    public int handleMmFault(Cpu cpu, Mm mm, Vma vma, long address, int flags) {
        int ret = handlePteFault(cpu, mm, vma, address & -s.pageSize, flags);
        mmAccountFault(cpu, flags, ret);
        return ret;
    }

    private int handlePteFault(Cpu cpu, Mm mm, Vma vma, long address, int flags) {
        long ptep = s.tables.ptep(cpu, mm, address, true);
        if (ptep == UserPageTables.NO_PTEP) {
            return VmFaultCodes.VM_FAULT_OOM; // __pte_alloc() failed
        }
        long pte = s.tables.readPte(ptep);
        if (UserPageTables.pteNone(pte)) {
            return vma.file() == null ? doAnonymousPage(cpu, mm, vma, address, ptep, flags)
                    : file.doFault(cpu, mm, vma, address, ptep, flags);
        }
        if (!s.tables.present(pte)) {
            return doProtNone(mm, vma, ptep, pte);
        }
        boolean write = (flags & FaultFlags.FAULT_FLAG_WRITE) != 0;
        if ((flags & (FaultFlags.FAULT_FLAG_WRITE | FaultFlags.FAULT_FLAG_UNSHARE)) != 0
                && (s.tables.flags(pte) & PteFlags.WRITE) == 0) {
            return wp.doWpPage(cpu, mm, vma, address, ptep, pte, flags);
        }
        synchronized (mm.pageTableLock()) {
            long now = s.tables.readPte(ptep);
            if (now != pte) {
                return 0; // update_mmu_tlb(): someone else changed it; the access is retried
            }
            int set = PteFlags.ACCESSED | (write ? PteFlags.DIRTY : 0);
            int f = s.tables.flags(pte);
            if ((f & set) != set) {
                s.tables.compareAndSetPte(ptep, pte, s.tables.withFlags(pte, f | set));
            }
        }
        cpu.localFlushTlbPage(address);
        return 0;
    }

    /** {@code do_anonymous_page()}. */
    private int doAnonymousPage(Cpu cpu, Mm mm, Vma vma, long address, long ptep, int flags) {
        long vmFlags = vma.flags();
        boolean shared = (vmFlags & VmFlags.VM_SHARED) != 0;
        if ((flags & FaultFlags.FAULT_FLAG_WRITE) == 0 && !shared) {
            long entry = s.entry(s.zeroPfn, vma, PteFlags.ACCESSED);
            synchronized (mm.pageTableLock()) {
                if (UserPageTables.pteNone(s.tables.readPte(ptep))) {
                    s.tables.writePte(ptep, entry);
                }
            }
            return 0;
        }
        AnonVma av = shared ? null : s.rmap.anonVmaPrepare(mm, vma);
        long pfn = s.allocUserPage(cpu, true);
        if (pfn == PageAllocator.NO_PFN) {
            return VmFaultCodes.VM_FAULT_OOM;
        }
        long entry = s.entry(pfn, vma, FaultSupport.faultExtra(true, vmFlags));
        synchronized (mm.pageTableLock()) {
            if (!UserPageTables.pteNone(s.tables.readPte(ptep))) {
                s.pages.putPage(cpu, pfn); // another CPU won the race
                return 0;
            }
            if (shared) {
                // MAP_SHARED|MAP_ANONYMOUS is shmem in Linux (shmem_zero_setup); without shmem the page is
                // an unnamed page of this mm, counted as shmem, mapped once.
                s.pages.pageAddMapcount(pfn, 1);
                mm.addRss(Mm.MM_SHMEMPAGES, 1);
            } else {
                s.rmap.addNewAnonRmap(pfn, av, s.rmap.linearPageIndex(vma, address));
                mm.addRss(Mm.MM_ANONPAGES, 1);
            }
            s.tables.writePte(ptep, entry);
        }
        return 0;
    }

    /** A PROT_NONE PTE (x86 pte_protnone; NUMA hinting is not modelled). */
    private int doProtNone(Mm mm, Vma vma, long ptep, long pte) {
        if (!PageProt.accessible(vma.flags())) {
            return VmFaultCodes.VM_FAULT_SIGSEGV;
        }
        synchronized (mm.pageTableLock()) {
            if (s.tables.readPte(ptep) == pte) {
                s.tables.writePte(ptep, s.entry(s.tables.pfn(pte), vma, PteFlags.ACCESSED));
            }
        }
        return 0;
    }

    /**
     * {@code mm_account_fault()}: retries are counted when they complete; every other fault counts in
     * PGFAULT, successful ones in the task's min_flt or maj_flt (major: VM_FAULT_MAJOR, or a retried
     * fault). PGMAJFAULT is counted here for VM_FAULT_MAJOR, where {@code filemap_fault} counts it in the
     * kernel, so a page cache need not.
     */
    private void mmAccountFault(Cpu cpu, int flags, int ret) {
        if ((ret & VmFaultCodes.VM_FAULT_RETRY) != 0) {
            return;
        }
        events.count(cpu, VmEvents.PGFAULT);
        if ((ret & VmFaultCodes.VM_FAULT_ERROR) != 0) {
            return;
        }
        boolean major = (ret & VmFaultCodes.VM_FAULT_MAJOR) != 0 || (flags & FaultFlags.FAULT_FLAG_TRIED) != 0;
        Task current = cpu.current();
        if (current != null) {
            current.countFault(major);
        }
        if ((ret & VmFaultCodes.VM_FAULT_MAJOR) != 0) {
            events.count(cpu, VmEvents.PGMAJFAULT);
        }
    }
}
