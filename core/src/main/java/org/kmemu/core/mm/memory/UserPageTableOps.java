package org.kmemu.core.mm.memory;

import org.kmemu.api.Errno;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * The page-table half of munmap, mprotect, mremap, MAP_POPULATE and exit ({@link PageTableOps}): mm/memory.c's
 * {@code unmap_page_range} and {@code free_pgtables}, mm/mprotect.c's {@code change_protection},
 * mm/mremap.c's {@code move_page_tables}, mm/gup.c's {@code populate_vma_page_range}, and mm/mmap.c's
 * {@code exit_mmap}.
 *
 * <p>Walks go page by page through {@link UserPageTables#ptep} without allocating, and skip a whole
 * last-level table's span where the table is missing. PTEs are cleared atomically
 * ({@code ptep_get_and_clear}), so a dirty bit a walker sets at the same moment is seen; pages are released
 * only after the TLB flush of the range (the kernel's mmu_gather order), so no CPU can still write a page
 * that has gone back to the allocator.
 */
public final class UserPageTableOps implements PageTableOps {
    private final FaultSupport s;
    private final MmFault fault;

    UserPageTableOps(FaultSupport s, MmFault fault) {
        this.s = s;
        this.fault = fault;
    }

    @Override
    public void unmapRange(Cpu cpu, Mm mm, Vma vma, long start, long end) {
        LongList gather = new LongList();
        long span = s.tables.tableSpan();
        int entryBytes = s.tables.format().entryBytes();
        synchronized (mm.pageTableLock()) {
            for (long a = start; Long.compareUnsigned(a, end) < 0; ) {
                long tableEnd = (a & -span) + span; // 0 when the table is the last one of the address space
                long stop = tableEnd == 0 || Long.compareUnsigned(end, tableEnd) < 0 ? end : tableEnd;
                long ptep = s.tables.ptep(cpu, mm, a, false);
                if (ptep == UserPageTables.NO_PTEP) {
                    a = stop;
                    continue;
                }
                // zap_pte_range(): the rest of this table, entry by entry
                for (; Long.compareUnsigned(a, stop) < 0; a += s.pageSize, ptep += entryBytes) {
                    if (!UserPageTables.pteNone(s.tables.readPte(ptep))) {
                        zapPte(cpu, mm, vma, s.tables.getAndClearPte(ptep), gather);
                    }
                }
            }
        }
        s.mmu.flushTlbMmRange(cpu, mm.pgdPhys(), start, end);
        for (int i = 0; i < gather.size(); i++) {
            s.pages.putPage(cpu, gather.get(i)); // tlb_finish_mmu(): the PTEs' references
        }
    }

    /** {@code zap_present_ptes()} for one PTE: rmap, RSS, the dirty bit to the page; the reference is gathered. */
    private void zapPte(Cpu cpu, Mm mm, Vma vma, long pte, LongList gather) {
        long pfn = s.tables.pfn(pte);
        if (pfn == s.zeroPfn || !s.normalPage(vma, pte)) {
            return; // vm_normal_page() is NULL for the zero page and special PTEs: nothing was counted
        }
        int counter = s.mmCounter(vma, pfn);
        if (counter == Mm.MM_FILEPAGES && (s.tables.flags(pte) & PteFlags.DIRTY) != 0) {
            s.pages.setPageDirty(pfn); // folio_mark_dirty(): the write reaches the page cache
        }
        mm.addRss(counter, -1);
        s.rmap.removeRmap(cpu, pfn);
        gather.add(pfn);
    }

    @Override
    public void freePgtables(Cpu cpu, Mm mm, long floor, long ceiling) {
        long end = ceiling == 0 ? mm.taskSize() : ceiling;
        synchronized (mm.pageTableLock()) {
            PageTableFormat f = s.tables.format();
            int entries = mm.kernelPgdBoundary();
            int shift = f.indexShift(0);
            for (int i = 0; i < entries; i++) {
                long base = (long) i << shift;
                long top = base + (1L << shift);
                if (Long.compareUnsigned(top, floor) <= 0 || Long.compareUnsigned(base, end) >= 0) {
                    continue;
                }
                freeBelow(cpu, mm, mm.pgdPhys() + (long) i * f.entryBytes(), 0, base, floor, end);
            }
        }
    }

    /**
     * The table an entry of {@code level} points to, if it maps only addresses in [floor, ceiling) and
     * nothing is left in it after its own lower tables went, is freed and the entry cleared.
     *
     * @return whether the entry is empty now
     */
    private boolean freeBelow(Cpu cpu, Mm mm, long slot, int level, long base, long floor, long ceiling) {
        PageTableFormat f = s.tables.format();
        long entry = s.tables.readPte(slot);
        if ((f.decode(entry, level) & PteFlags.PRESENT) == 0) {
            return entry == 0;
        }
        int last = f.levels() - 1;
        long table = f.address(entry, level);
        int child = level + 1;
        int childShift = f.indexShift(child);
        int n = 1 << f.indexBits(child);
        boolean empty = true;
        for (int i = 0; i < n; i++) {
            long childBase = base + ((long) i << childShift);
            long childTop = childBase + (1L << childShift);
            long childSlot = table + (long) i * f.entryBytes();
            if (child == last) {
                empty &= s.tables.readPte(childSlot) == 0;
            } else if (Long.compareUnsigned(childTop, floor) > 0 && Long.compareUnsigned(childBase, ceiling) < 0) {
                empty &= freeBelow(cpu, mm, childSlot, child, childBase, floor, ceiling);
            } else {
                empty &= s.tables.readPte(childSlot) == 0;
            }
        }
        long top = base + (1L << f.indexShift(level));
        boolean inside = Long.compareUnsigned(base, floor) >= 0 && (top == 0 || Long.compareUnsigned(top, ceiling) <= 0);
        if (!empty || !inside) {
            return false;
        }
        s.tables.writePte(slot, 0);
        mm.addPageTablePages(-1);
        s.pages.putPage(cpu, table >>> s.pageShift);
        return true;
    }

    @Override
    public void changeProtection(Cpu cpu, Mm mm, Vma vma, long start, long end, long newVmFlags) {
        boolean shared = (newVmFlags & VmFlags.VM_SHARED) != 0;
        boolean writable = (newVmFlags & VmFlags.VM_WRITE) != 0;
        long span = s.tables.tableSpan();
        boolean changed = false;
        synchronized (mm.pageTableLock()) {
            for (long a = start; Long.compareUnsigned(a, end) < 0; ) {
                long ptep = s.tables.ptep(cpu, mm, a, false);
                if (ptep == UserPageTables.NO_PTEP) {
                    a = (a & -span) + span;
                    if (a == 0) {
                        break;
                    }
                    continue;
                }
                for (;;) {
                    long pte = s.tables.readPte(ptep);
                    if (UserPageTables.pteNone(pte)) {
                        break;
                    }
                    long pfn = s.tables.pfn(pte);
                    if (!s.normalPage(vma, pte)) {
                        // A raw pfn (remap_pfn_range): change_pte_range rewrites the protection and keeps the
                        // entry special; there is no page to dirty, share or make writable on its own.
                        int prot = PageProt.vmGetPageProt(newVmFlags);
                        long updated = prot == PageProt.PROT_NONE ? s.tables.mkProtNone(pfn)
                                : s.tables.mkPte(pfn, prot | PteFlags.SPECIAL
                                        | (s.tables.flags(pte) & (PteFlags.ACCESSED | PteFlags.DIRTY | PteFlags.NO_CACHE
                                                | PteFlags.WRITE_THROUGH | PteFlags.GUARDED)));
                        if (updated == pte || s.tables.compareAndSetPte(ptep, pte, updated)) {
                            changed |= updated != pte;
                            break;
                        }
                        continue;
                    }
                    int kept = s.tables.flags(pte) & (PteFlags.ACCESSED | PteFlags.DIRTY); // 0 for PROT_NONE
                    if ((kept & PteFlags.DIRTY) != 0 && PageProt.vmGetPageProt(newVmFlags) == PageProt.PROT_NONE
                            && pfn != s.zeroPfn && !s.rmap.isAnon(pfn)) {
                        s.pages.setPageDirty(pfn); // a PROT_NONE entry keeps no dirty bit: the page does
                    }
                    // MM_CP_TRY_CHANGE_WRITABLE / can_change_pte_writable(): a private page only if it is an
                    // exclusive anonymous page (COW-shared pages stay read-only); a shared one only if already
                    // dirty (so the first write still reaches ->page_mkwrite).
                    boolean mkwrite = writable && pfn != s.zeroPfn
                            && (shared ? (kept & PteFlags.DIRTY) != 0 : s.rmap.isAnon(pfn) && s.rmap.anonExclusive(pfn));
                    long updated = s.entry(pfn, newVmFlags, vma.file() != null, kept | (mkwrite ? PteFlags.WRITE : 0));
                    if (updated == pte || s.tables.compareAndSetPte(ptep, pte, updated)) {
                        changed |= updated != pte;
                        break;
                    }
                }
                a += s.pageSize;
            }
        }
        if (changed) {
            s.mmu.flushTlbMmRange(cpu, mm.pgdPhys(), start, end);
        }
    }

    @Override
    public long movePageTables(Cpu cpu, Mm mm, Vma oldVma, long oldAddr, Vma newVma, long newAddr, long len) {
        long moved = 0;
        synchronized (mm.pageTableLock()) {
            for (; Long.compareUnsigned(moved, len) < 0; moved += s.pageSize) {
                long oldPtep = s.tables.ptep(cpu, mm, oldAddr + moved, false);
                if (oldPtep == UserPageTables.NO_PTEP || UserPageTables.pteNone(s.tables.readPte(oldPtep))) {
                    continue;
                }
                long newPtep = s.tables.ptep(cpu, mm, newAddr + moved, true);
                if (newPtep == UserPageTables.NO_PTEP) {
                    break; // -ENOMEM for the table: the caller moves back what was moved
                }
                s.tables.writePte(newPtep, s.tables.getAndClearPte(oldPtep));
            }
        }
        s.mmu.flushTlbMmRange(cpu, mm.pgdPhys(), oldAddr, oldAddr + len);
        return moved;
    }

    @Override
    public int populate(Cpu cpu, Mm mm, long start, long end) {
        mm.mmapLock().readLock();
        try {
            for (long a = start; Long.compareUnsigned(a, end) < 0; ) {
                Vma vma = mm.vmas().findVma(a);
                if (vma == null || Long.compareUnsigned(vma.start(), end) >= 0) {
                    break;
                }
                a = Long.compareUnsigned(a, vma.start()) < 0 ? vma.start() : a;
                long stop = Long.compareUnsigned(vma.end(), end) < 0 ? vma.end() : end;
                if ((vma.flags() & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0 || !PageProt.accessible(vma.flags())) {
                    a = stop; // __mm_populate() skips these; PROT_NONE stays unpopulated
                    continue;
                }
                int ret = populateVmaPageRange(cpu, mm, vma, a, stop);
                if (ret != 0) {
                    return ret;
                }
                a = stop;
            }
            return 0;
        } finally {
            mm.mmapLock().readUnlock();
        }
    }

    /**
     * {@code populate_vma_page_range()}: a GUP walk that faults in what is not there yet; for write on a
     * private writable mapping (FOLL_WRITE), so the pages are the process's own from the start. No
     * FAULT_FLAG_ALLOW_RETRY: a ->fault keeps the mmap lock and waits.
     */
    private int populateVmaPageRange(Cpu cpu, Mm mm, Vma vma, long start, long end) {
        boolean write = (vma.flags() & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == VmFlags.VM_WRITE;
        int flags = write ? FaultFlags.FAULT_FLAG_WRITE : 0;
        for (long a = start; Long.compareUnsigned(a, end) < 0; a += s.pageSize) {
            long ptep = s.tables.ptep(cpu, mm, a, false);
            if (ptep != UserPageTables.NO_PTEP) {
                long pte = s.tables.readPte(ptep);
                if (s.tables.present(pte) && (!write || (s.tables.flags(pte) & PteFlags.WRITE) != 0)) {
                    continue; // follow_page_pte() found it
                }
            }
            int ret = fault.handleMmFault(cpu, mm, vma, a, flags);
            if ((ret & VmFaultCodes.VM_FAULT_OOM) != 0) {
                return -Errno.ENOMEM;
            }
            if ((ret & VmFaultCodes.VM_FAULT_ERROR) != 0) {
                return -Errno.EFAULT;
            }
        }
        return 0;
    }

    /** A growable list of pfns (the mmu_gather batch), without boxing. */
    private static final class LongList {
        private long[] a = new long[64];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        long get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }
    }
}
