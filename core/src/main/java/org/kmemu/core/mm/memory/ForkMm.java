package org.kmemu.core.mm.memory;

import java.util.concurrent.atomic.AtomicLong;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;

/**
 * fork's copy of an address space: {@code dup_mm} → {@code dup_mmap} (kernel/fork.c) and
 * {@code copy_page_range} → {@code copy_present_pte} (mm/memory.c), 6.12.
 *
 * <h2>dup_mmap</h2>
 * Both mmap locks are held for write. The child mm gets the parent's brk, start_brk, start_stack and
 * vm.max_map_count; every VMA except VM_DONTCOPY is copied with VM_LOCKED and VM_LOCKONFAULT cleared
 * ({@code VM_LOCKED_MASK}). A VMA with an anon_vma gets its own, chained to the parent's
 * ({@code anon_vma_fork}; kmemu keeps the parent link, {@link AnonVma#parent()}); VM_WIPEONFORK gets none and
 * no pages. Then {@code copy_page_range} for every copied VMA but VM_WIPEONFORK, and {@code flush_tlb_mm} of
 * the parent, whose PTEs may have lost their write bit.
 *
 * <h2>copy_page_range</h2>
 * Only where {@code vma_needs_copy}: the source has an anon_vma or is VM_PFNMAP/VM_MIXEDMAP (and, as kmemu
 * has no shmem, a shared anonymous VMA); file pages of other VMAs come back by fault. For each PTE that is
 * not none (present, or PROT_NONE holding its page): the page ({@code vm_normal_page}: none for VM_PFNMAP,
 * none for a VM_MIXEDMAP pfn without a struct page) gets a reference and one more mapcount; an anonymous
 * page loses PG_anon_exclusive ({@code folio_try_dup_anon_rmap_pte}). In a COW mapping ({@code
 * is_cow_mapping}: VM_MAYWRITE without VM_SHARED) a writable PTE is write-protected in the parent and the
 * child; a VM_SHARED mapping's child PTE is made clean; the child's PTE is made old.
 *
 * <p>An exclusive anonymous page that may be DMA-pinned ({@code folio_maybe_dma_pinned}) is not shared: the
 * child gets a copy at once ({@code copy_present_page}), so a pin taken before fork keeps seeing the parent's
 * page. Not modelled: huge PMDs, swap entries, userfaultfd-wp bits, RSS counters.
 */
public final class ForkMm {
    private final PageApi pages;
    private final PageFrames frames;
    private final UserPageTables tables;
    private final PhysicalMemory memory;
    private final Mmu mmu;
    private final KernelLayout kernelLayout;
    private final KernelLog log;
    private final ExitMmap exit;
    private final AtomicLong anonVmaIds = new AtomicLong(1L << 32);

    /**
     * @param pages        the page API (references, mapcounts, the child's root)
     * @param frames       the page frames (PG_anon_exclusive)
     * @param tables       the user page tables
     * @param memory       RAM
     * @param mmu          the MMU (the kernel root, flush_tlb_mm)
     * @param kernelLayout the kernel layout (PAGE_OFFSET for the root's kernel half)
     * @param log          the kernel log (the child's mmap lock)
     * @param exit         exit_mmap, to undo a half-made child
     */
    public ForkMm(PageApi pages, PageFrames frames, UserPageTables tables, PhysicalMemory memory, Mmu mmu,
            KernelLayout kernelLayout, KernelLog log, ExitMmap exit) {
        this.pages = pages;
        this.frames = frames;
        this.tables = tables;
        this.memory = memory;
        this.mmu = mmu;
        this.kernelLayout = kernelLayout;
        this.log = log;
        this.exit = exit;
    }

    /**
     * {@code dup_mm}: a new mm, then {@link #dupMmap}.
     *
     * @param cpu   the forking CPU
     * @param oldMm the parent's mm
     * @return the child's mm, or null for -ENOMEM (a half-made child is torn down)
     */
    public Mm dupMm(Cpu cpu, Mm oldMm) {
        Mm mm = Mm.alloc(cpu, pages, mmu, oldMm.layout(), log);
        if (mm == null) {
            return null;
        }
        if (!dupMmap(cpu, mm, oldMm)) {
            exit.exitMmap(cpu, mm);
            return null;
        }
        return mm;
    }

    /**
     * {@code dup_mmap}: copies the VMAs and their PTEs into an empty mm.
     *
     * @param cpu   the forking CPU
     * @param mm    the child's empty mm
     * @param oldMm the parent's mm
     * @return false for -ENOMEM (a page table could not be had); what was copied stays for the caller to free
     */
    public boolean dupMmap(Cpu cpu, Mm mm, Mm oldMm) {
        oldMm.mmapLock().writeLock();
        mm.mmapLock().writeLock();
        try {
            mm.setBrk(oldMm.startBrk(), oldMm.brk());
            mm.setStartStack(oldMm.startStack());
            mm.vmas().setMaxMapCount(oldMm.vmas().maxMapCount());
            boolean ok = true;
            for (Vma src : oldMm.vmas().vmas()) {
                long flags = src.flags();
                if ((flags & VmFlags.VM_DONTCOPY) != 0) {
                    continue;
                }
                AnonVma anon = null;
                if ((flags & VmFlags.VM_WIPEONFORK) == 0 && src.anonVma() != null) {
                    anon = new AnonVma(anonVmaIds.getAndIncrement(), src.anonVma());
                }
                Vma dst = new Vma(src.start(), src.end(), flags & ~(VmFlags.VM_LOCKED | VmFlags.VM_LOCKONFAULT),
                        src.pgoff(), src.file(), anon);
                mm.vmas().link(dst);
                if ((flags & VmFlags.VM_WIPEONFORK) == 0 && !copyPageRange(cpu, mm, dst, oldMm, src)) {
                    ok = false;
                    break;
                }
            }
            mmu.flushTlbMm(cpu, oldMm.pgdPhys());
            return ok;
        } finally {
            mm.mmapLock().writeUnlock();
            oldMm.mmapLock().writeUnlock();
        }
    }

    /** vma_needs_copy (mm/memory.c). */
    static boolean vmaNeedsCopy(Vma src) {
        return (src.flags() & (VmFlags.VM_PFNMAP | VmFlags.VM_MIXEDMAP)) != 0 || src.anonVma() != null
                || sharedAnonymous(src);
    }

    /**
     * MAP_SHARED|MAP_ANONYMOUS without shmem: Linux skips such a VMA in copy_page_range because the child
     * finds its pages again by fault in the shmem file (shmem_zero_setup); kmemu has no shmem, the PTEs are
     * the only record of those pages, so they are copied (shared, not COW) or the child would lose them.
     */
    private static boolean sharedAnonymous(Vma src) {
        return src.file() == null && (src.flags() & VmFlags.VM_SHARED) != 0;
    }

    /**
     * copy_page_range: the present PTEs of {@code src} into {@code dst} at the same addresses.
     *
     * @return false for -ENOMEM
     */
    boolean copyPageRange(Cpu cpu, Mm dstMm, Vma dst, Mm srcMm, Vma src) {
        if (!vmaNeedsCopy(src)) {
            return true;
        }
        int shift = tables.pageShift();
        long pageSize = 1L << shift;
        long ptesPerTable = 1L << tables.format().indexBits(tables.format().levels() - 1);
        long tableSpan = ptesPerTable << shift;
        long addr = src.start();
        while (Long.compareUnsigned(addr, src.end()) < 0) {
            long srcPtep = tables.ptep(cpu, srcMm, addr, false);
            if (srcPtep == UserPageTables.NO_PTEP) {
                // no PTE table here (or above): skip to the next PTE table's span
                long next = (addr + tableSpan) & ~(tableSpan - 1);
                addr = Long.compareUnsigned(next, addr) <= 0 ? src.end() : next;
                continue;
            }
            long pte;
            synchronized (srcMm.pageTableLock()) {
                pte = tables.readPte(srcPtep);
            }
            // copy_pte_range copies every entry that is not pte_none: a PROT_NONE entry (x86's
            // _PAGE_PROTNONE, which pte_present() counts as present) still holds its page.
            if (!UserPageTables.pteNone(pte)) {
                long dstPtep = tables.ptep(cpu, dstMm, addr, true);
                if (dstPtep == UserPageTables.NO_PTEP) {
                    return false;
                }
                boolean ok;
                synchronized (srcMm.pageTableLock()) {
                    synchronized (dstMm.pageTableLock()) {
                        ok = copyPresentPte(cpu, srcMm, dst, src, srcPtep, dstPtep, tables.readPte(srcPtep));
                    }
                }
                if (!ok) {
                    return false;
                }
            }
            addr += pageSize;
        }
        return true;
    }

    /**
     * copy_present_pte, both page-table locks held.
     *
     * @return false for -ENOMEM (no page for copy_present_page)
     */
    private boolean copyPresentPte(Cpu cpu, Mm srcMm, Vma dst, Vma src, long srcPtep, long dstPtep, long pte) {
        long vmFlags = src.flags();
        long pfn = tables.pfn(pte);
        // vm_normal_page(): a present special PTE (remap_pfn_range's) has no page; a COW copy in a private
        // VM_PFNMAP VMA is a normal anonymous page; a PROT_NONE entry there is taken as raw
        boolean special = tables.present(pte) && tables.hasPteSpecial() ? (tables.flags(pte) & PteFlags.SPECIAL) != 0
                : (vmFlags & VmFlags.VM_PFNMAP) != 0;
        boolean hasPage = !special && frames.pfnValid(pfn);
        if (hasPage) {
            if (pages.pageAnon(pfn)) {
                // folio_needs_cow_for_dma (include/linux/mm.h): only an mm that ever pinned (MMF_HAS_PINNED) pays
                // for the check, and then only a page whose count says it may be pinned.
                if ((frames.flags(pfn) & PageFlags.PG_ANON_EXCLUSIVE) != 0 && srcMm.hasPinned()
                        && pages.pageMaybeDmaPinned(pfn)) {
                    // folio_try_dup_anon_rmap_pte refuses: the pin must keep seeing the parent's page
                    return copyPresentPage(cpu, dst, dstPtep, pfn);
                }
                // folio_try_dup_anon_rmap_pte: the page is now shared, no longer exclusive to the parent
                frames.clearFlag(pfn, PageFlags.PG_ANON_EXCLUSIVE);
            }
            pages.getPage(cpu, pfn);
            pages.pageAddMapcount(pfn, 1);
        }
        if (!tables.present(pte)) {
            tables.writePte(dstPtep, pte); // PROT_NONE: no write bit to take, nothing to clean
            return true;
        }
        int f = tables.flags(pte);
        boolean cow = (vmFlags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) == VmFlags.VM_MAYWRITE;
        if (cow && (f & PteFlags.WRITE) != 0) {
            f &= ~PteFlags.WRITE;
            tables.writePte(srcPtep, tables.withFlags(pte, f)); // ptep_set_wrprotect in the parent
        }
        if ((vmFlags & VmFlags.VM_SHARED) != 0) {
            f &= ~PteFlags.DIRTY; // pte_mkclean
        }
        f &= ~PteFlags.ACCESSED; // pte_mkold
        tables.writePte(dstPtep, tables.withFlags(pte, f));
        return true;
    }

    /**
     * copy_present_page: an exclusive anonymous page that may be DMA-pinned is copied for the child right
     * away, so the parent keeps its page (and its writable PTE) and the pin keeps seeing what the parent
     * sees. The child's copy is exclusive, dirty and writable if the VMA is (maybe_mkwrite(pte_mkdirty)).
     * kmemu has no registry from anon_vma to mapping handle yet, so the copy keeps the parent page's handle
     * (the kernel points it at the child's anon_vma).
     */
    private boolean copyPresentPage(Cpu cpu, Vma dst, long dstPtep, long pfn) {
        long newPfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        if (newPfn == PageAllocator.NO_PFN) {
            return false;
        }
        int shift = tables.pageShift();
        memory.copy(newPfn << shift, pfn << shift, 1 << shift); // copy_user_highpage
        long word = pages.pageMappingWord(pfn);
        pages.setPageMapping(newPfn, MappingWord.of(MappingWord.handle(word), MappingWord.PAGE_MAPPING_ANON,
                MappingWord.index(word)));
        frames.setFlags(newPfn, newPfn + 1, PageFlags.PG_ANON_EXCLUSIVE | PageFlags.PG_SWAPBACKED | PageFlags.PG_UPTODATE,
                true);
        pages.pageAddMapcount(newPfn, 1);
        long vmFlags = dst.flags();
        if (PageProt.vmGetPageProt(vmFlags) == PageProt.PROT_NONE) {
            tables.writePte(dstPtep, tables.mkProtNone(newPfn)); // mk_pte with a PROT_NONE vm_page_prot
            return true;
        }
        int f = PteFlags.USER | PteFlags.ACCESSED | PteFlags.DIRTY
                | ((vmFlags & VmFlags.VM_WRITE) != 0 ? PteFlags.WRITE : 0)
                | ((vmFlags & VmFlags.VM_EXEC) != 0 ? PteFlags.EXEC : 0);
        tables.writePte(dstPtep, tables.mkPte(newPfn, f));
        return true;
    }
}
