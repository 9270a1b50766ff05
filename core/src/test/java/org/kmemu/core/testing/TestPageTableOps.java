package org.kmemu.core.testing;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;

/**
 * A small {@link PageTableOps} for tests of the VMA layer until mm/memory.c's real one lands: PTEs in the
 * arch's format through {@link UserPageTables}, anonymous pages only. {@link #populate} maps a zeroed
 * anonymous page (PG_anon_exclusive, mapcount 1, refcount 1) on every missing PTE; {@link #unmapRange} clears
 * PTEs and drops mapcount and reference (clearing the anon mapping word before the last put, which the real
 * free path would do); {@link #movePageTables} moves PTEs; {@link #changeProtection} sets the write bit from
 * VM_WRITE (kept clear for a shared-COW anonymous page); {@link #freePgtables} only records its bounds (the
 * tables go with Mm.destroy). Not a model of the kernel beyond that.
 */
public final class TestPageTableOps implements PageTableOps {
    private final UserPageTables tables;
    private final PageApi pages;
    private final PageFrames frames;
    private final Mmu mmu;
    /** [floor, ceiling] of every freePgtables call. */
    public final List<long[]> freed = new ArrayList<>();
    /** Fail populate after this many pages (-1: never). */
    public int populateBudget = -1;
    private long anonVmas;

    /**
     * @param tables the user page tables
     * @param pages  the page API
     * @param frames the page frames
     * @param mmu    the MMU (TLB flushes)
     */
    public TestPageTableOps(UserPageTables tables, PageApi pages, PageFrames frames, Mmu mmu) {
        this.tables = tables;
        this.pages = pages;
        this.frames = frames;
        this.mmu = mmu;
    }

    private long pageSize() {
        return 1L << tables.pageShift();
    }

    @Override
    public void unmapRange(Cpu cpu, Mm mm, Vma vma, long start, long end) {
        for (long a = start; Long.compareUnsigned(a, end) < 0; a += pageSize()) {
            long ptep = tables.ptep(cpu, mm, a, false);
            if (ptep == UserPageTables.NO_PTEP) {
                continue;
            }
            long pte;
            synchronized (mm.pageTableLock()) {
                pte = tables.readPte(ptep);
                if (!tables.present(pte)) {
                    continue;
                }
                tables.writePte(ptep, 0);
            }
            if ((vma.flags() & VmFlags.VM_PFNMAP) != 0) {
                continue;
            }
            long pfn = tables.pfn(pte);
            pages.pageAddMapcount(pfn, -1);
            if (pages.pageRefCount(pfn) == 1 && pages.pageAnon(pfn)) {
                pages.setPageMapping(pfn, 0);
            }
            pages.putPage(cpu, pfn);
        }
        mmu.flushTlbMm(cpu, mm.pgdPhys());
    }

    @Override
    public void freePgtables(Cpu cpu, Mm mm, long floor, long ceiling) {
        freed.add(new long[] {floor, ceiling});
    }

    @Override
    public void changeProtection(Cpu cpu, Mm mm, Vma vma, long start, long end, long newVmFlags) {
        for (long a = start; Long.compareUnsigned(a, end) < 0; a += pageSize()) {
            long ptep = tables.ptep(cpu, mm, a, false);
            if (ptep == UserPageTables.NO_PTEP) {
                continue;
            }
            synchronized (mm.pageTableLock()) {
                long pte = tables.readPte(ptep);
                if (!tables.present(pte)) {
                    continue;
                }
                int f = tables.flags(pte) & ~PteFlags.WRITE;
                long pfn = tables.pfn(pte);
                boolean exclusive = (frames.flags(pfn) & PageFlags.PG_ANON_EXCLUSIVE) != 0;
                if ((newVmFlags & VmFlags.VM_WRITE) != 0 && ((newVmFlags & VmFlags.VM_SHARED) != 0 || exclusive)) {
                    f |= PteFlags.WRITE;
                }
                tables.writePte(ptep, tables.withFlags(pte, f));
            }
        }
        mmu.flushTlbMm(cpu, mm.pgdPhys());
    }

    @Override
    public long movePageTables(Cpu cpu, Mm mm, Vma oldVma, long oldAddr, Vma newVma, long newAddr, long len) {
        for (long off = 0; Long.compareUnsigned(off, len) < 0; off += pageSize()) {
            long src = tables.ptep(cpu, mm, oldAddr + off, false);
            if (src == UserPageTables.NO_PTEP) {
                continue;
            }
            long pte;
            synchronized (mm.pageTableLock()) {
                pte = tables.readPte(src);
            }
            if (!tables.present(pte)) {
                continue;
            }
            long dst = tables.ptep(cpu, mm, newAddr + off, true);
            if (dst == UserPageTables.NO_PTEP) {
                mmu.flushTlbMm(cpu, mm.pgdPhys());
                return off;
            }
            synchronized (mm.pageTableLock()) {
                tables.writePte(dst, pte);
                tables.writePte(src, 0);
            }
            long pfn = tables.pfn(pte);
            if (pages.pageAnon(pfn)) {
                long word = pages.pageMappingWord(pfn);
                pages.setPageMapping(pfn, MappingWord.of(MappingWord.handle(word), MappingWord.PAGE_MAPPING_ANON,
                        ((newAddr + off) >>> tables.pageShift())));
            }
        }
        mmu.flushTlbMm(cpu, mm.pgdPhys());
        return len;
    }

    @Override
    public int populate(Cpu cpu, Mm mm, long start, long end) {
        mm.mmapLock().readLock();
        try {
            for (long a = start; Long.compareUnsigned(a, end) < 0; a += pageSize()) {
                Vma vma = mm.vmas().vmaLookup(a);
                if (vma == null) {
                    return -Errno.ENOMEM;
                }
                if (vma.anonVma() == null) {
                    vma.setAnonVma(new AnonVma(++anonVmas)); // anon_vma_prepare
                }
                long ptep = tables.ptep(cpu, mm, a, true);
                if (ptep == UserPageTables.NO_PTEP) {
                    return -Errno.ENOMEM;
                }
                synchronized (mm.pageTableLock()) {
                    if (tables.present(tables.readPte(ptep))) {
                        continue;
                    }
                }
                if (populateBudget == 0) {
                    return -Errno.ENOMEM;
                }
                if (populateBudget > 0) {
                    populateBudget--;
                }
                long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_ZERO, 0);
                if (pfn == PageAllocator.NO_PFN) {
                    return -Errno.ENOMEM;
                }
                pages.setPageMapping(pfn, MappingWord.of(1, MappingWord.PAGE_MAPPING_ANON, a >>> tables.pageShift()));
                frames.setFlags(pfn, pfn + 1, PageFlags.PG_ANON_EXCLUSIVE | PageFlags.PG_SWAPBACKED, true);
                pages.pageAddMapcount(pfn, 1);
                int f = PteFlags.USER | PteFlags.ACCESSED;
                if ((vma.flags() & VmFlags.VM_WRITE) != 0) {
                    f |= PteFlags.WRITE | PteFlags.DIRTY;
                }
                synchronized (mm.pageTableLock()) {
                    tables.writePte(ptep, tables.mkPte(pfn, f));
                }
            }
            return 0;
        } finally {
            mm.mmapLock().readUnlock();
        }
    }
}
