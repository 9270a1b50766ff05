package org.kmemu.core.mm.memory;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code do_wp_page()} (mm/memory.c, 6.x): a write (or FAULT_FLAG_UNSHARE) hits a present PTE without
 * write permission.
 * <ul>
 *   <li>Shared mapping ({@code wp_page_shared}): {@code ->page_mkwrite}, then the same page becomes
 *       writable, young and dirty, and the page is marked dirty.</li>
 *   <li>Private mapping, anonymous page that is this process's alone: PG_anon_exclusive, or
 *       {@code wp_can_reuse_anon_folio} (a reference count of 1: no other mm and no GUP pin holds it),
 *       which moves the page to this VMA's anon_vma: {@code wp_page_reuse}.</li>
 *   <li>Otherwise {@code wp_page_copy}: a new anonymous page (zeroed if the old one was the zero page,
 *       else a copy of it), the old PTE cleared and flushed from every CPU, the old page's mapcount and
 *       the PTE's reference dropped. The new PTE is writable only if the VMA is (a FOLL_FORCE write
 *       through a read-only private mapping gets a private read-only copy).</li>
 * </ul>
 * Every decision is taken again under the page-table lock on the PTE as it then is; a PTE that changed
 * meanwhile means another CPU handled the fault, and this one returns 0.
 */
final class WpFault {
    private final FaultSupport s;

    WpFault(FaultSupport s) {
        this.s = s;
    }

    int doWpPage(Cpu cpu, Mm mm, Vma vma, long address, long ptep, long orig, int flags) {
        boolean unshare = (flags & FaultFlags.FAULT_FLAG_UNSHARE) != 0;
        long pfn = s.tables.pfn(orig);
        if ((vma.flags() & (VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE)) != 0) {
            return unshare ? 0 : wpPageShared(cpu, mm, vma, address, ptep, orig, pfn, flags);
        }
        boolean zero = pfn == s.zeroPfn;
        if (!zero && !s.normalPage(vma, orig)) {
            // A private (COW) remap_pfn_range mapping: vm_normal_page() is NULL, so wp_page_copy copies the raw
            // frame's bytes into a new anonymous page and no struct page of the old frame is touched.
            return wpPfnCopy(cpu, mm, vma, address, ptep, orig, pfn, unshare);
        }
        synchronized (mm.pageTableLock()) {
            if (s.tables.readPte(ptep) != orig) {
                return 0;
            }
            if (!zero && s.rmap.isAnon(pfn) && (s.rmap.anonExclusive(pfn) || s.pages.pageRefCount(pfn) == 1)) {
                // wp_can_reuse_anon_folio(): no other reference, so no other mm or pin can see the page.
                s.rmap.moveAnonRmap(pfn, s.rmap.anonVmaPrepare(mm, vma));
                if (!unshare) {
                    wpPageReuse(cpu, mm, vma, address, ptep, orig);
                }
                return 0;
            }
            if (!zero) {
                s.pages.getPage(cpu, pfn); // folio_get(): keep it while we copy without the lock
            }
        }
        try {
            return wpPageCopy(cpu, mm, vma, address, ptep, orig, pfn, zero, unshare);
        } finally {
            if (!zero) {
                s.pages.putPage(cpu, pfn);
            }
        }
    }

    /** {@code wp_page_reuse()}: the same page, young, and dirty and writable unless unsharing. */
    private void wpPageReuse(Cpu cpu, Mm mm, Vma vma, long address, long ptep, long orig) {
        int f = s.tables.flags(orig) | PteFlags.ACCESSED | PteFlags.DIRTY;
        long entry = s.tables.withFlags(orig, PageProt.maybeMkwrite(f, vma.flags()));
        if (!s.tables.compareAndSetPte(ptep, orig, entry)) {
            // a walker set accessed meanwhile: nothing else may change a PTE we hold the lock for
            long now = s.tables.readPte(ptep);
            s.tables.writePte(ptep, s.tables.withFlags(now, PageProt.maybeMkwrite(s.tables.flags(now) | f, vma.flags())));
        }
        // ptep_set_access_flags(): a permission upgrade; the stale read-only entries are dropped here and
        // elsewhere take a spurious fault at worst (flush_tlb_fix_spurious_fault).
        cpu.localFlushTlbPage(address);
    }

    private int wpPageShared(Cpu cpu, Mm mm, Vma vma, long address, long ptep, long orig, long pfn, int flags) {
        VmOperations ops = vma.file() == null ? null : vma.file().vmOps();
        if (ops != null) {
            s.pages.getPage(cpu, pfn);
            try {
                VmFault vmf = new VmFault(cpu, mm, vma, address, s.rmap.linearPageIndex(vma, address), flags | FaultFlags.FAULT_FLAG_MKWRITE);
                vmf.pfn = pfn;
                int ret = ops.pageMkwrite(vmf);
                if ((ret & (VmFaultCodes.VM_FAULT_ERROR | VmFaultCodes.VM_FAULT_NOPAGE)) != 0) {
                    return ret;
                }
            } finally {
                s.pages.putPage(cpu, pfn);
            }
        }
        synchronized (mm.pageTableLock()) {
            if (s.tables.readPte(ptep) != orig) {
                return 0;
            }
            wpPageReuse(cpu, mm, vma, address, ptep, orig);
        }
        if (ops != null) {
            s.pages.setPageDirty(pfn); // fault_dirty_shared_page()
        }
        return 0;
    }

    /** wp_page_copy() with no old folio: the copy comes from the frame (RAM or a device) through the bus. */
    private int wpPfnCopy(Cpu cpu, Mm mm, Vma vma, long address, long ptep, long orig, long oldPfn, boolean unshare) {
        if (unshare) {
            return 0; // nothing to unshare: the frame belongs to no process
        }
        AnonVma av = s.rmap.anonVmaPrepare(mm, vma);
        long newPfn = s.allocUserPage(cpu, false);
        if (newPfn == PageAllocator.NO_PFN) {
            return VmFaultCodes.VM_FAULT_OOM;
        }
        byte[] bytes = new byte[(int) s.pageSize]; // a rare path: the old frame may be device memory
        s.memory.read(oldPfn << s.pageShift, bytes, 0, bytes.length);
        s.memory.write(newPfn << s.pageShift, bytes, 0, bytes.length);
        long entry = s.entry(newPfn, vma, FaultSupport.faultExtra(true, vma.flags()));
        synchronized (mm.pageTableLock()) {
            if (s.tables.readPte(ptep) != orig) {
                s.pages.putPage(cpu, newPfn);
                return 0;
            }
            mm.addRss(Mm.MM_ANONPAGES, 1);
            s.tables.getAndClearPte(ptep);
            s.flushPage(cpu, mm, address);
            s.rmap.addNewAnonRmap(newPfn, av, s.rmap.linearPageIndex(vma, address));
            s.tables.writePte(ptep, entry);
        }
        return 0;
    }

    private int wpPageCopy(Cpu cpu, Mm mm, Vma vma, long address, long ptep, long orig, long oldPfn, boolean zero,
            boolean unshare) {
        AnonVma av = s.rmap.anonVmaPrepare(mm, vma);
        long newPfn = s.allocUserPage(cpu, zero);
        if (newPfn == PageAllocator.NO_PFN) {
            return VmFaultCodes.VM_FAULT_OOM;
        }
        if (!zero) {
            s.copyUserPage(newPfn, oldPfn);
        }
        int extra = unshare ? PteFlags.ACCESSED : FaultSupport.faultExtra(true, vma.flags());
        long entry = s.entry(newPfn, vma, extra);
        synchronized (mm.pageTableLock()) {
            if (s.tables.readPte(ptep) != orig) {
                s.pages.putPage(cpu, newPfn);
                return 0;
            }
            if (zero) {
                mm.addRss(Mm.MM_ANONPAGES, 1);
            } else {
                int counter = s.mmCounter(vma, oldPfn);
                if (counter != Mm.MM_ANONPAGES) {
                    mm.addRss(counter, -1);
                    mm.addRss(Mm.MM_ANONPAGES, 1);
                }
            }
            // ptep_clear_flush(): no CPU may keep writing the old page once the new one is mapped.
            s.tables.getAndClearPte(ptep);
            s.flushPage(cpu, mm, address);
            s.rmap.addNewAnonRmap(newPfn, av, s.rmap.linearPageIndex(vma, address));
            s.tables.writePte(ptep, entry);
            if (!zero) {
                s.rmap.removeRmap(cpu, oldPfn);
                s.pages.putPage(cpu, oldPfn); // the old PTE's reference
            }
        }
        return 0;
    }
}
