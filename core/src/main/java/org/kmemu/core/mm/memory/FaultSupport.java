package org.kmemu.core.mm.memory;

import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;

/**
 * What the fault handlers share: the tables, the page API, the reverse map, the zero page, the MMU for
 * shootdowns, and the helpers that allocate, copy and map a user page. Immutable; thread-safe.
 */
final class FaultSupport {
    final PhysicalMemory memory;
    final UserPageTables tables;
    final PageApi pages;
    final AnonRmap rmap;
    final Mmu mmu;
    final long zeroPfn;
    final int pageShift;
    final long pageSize;

    FaultSupport(PhysicalMemory memory, UserPageTables tables, PageApi pages, AnonRmap rmap, Mmu mmu, long zeroPfn) {
        this.memory = memory;
        this.tables = tables;
        this.pages = pages;
        this.rmap = rmap;
        this.mmu = mmu;
        this.zeroPfn = zeroPfn;
        this.pageShift = tables.pageShift();
        this.pageSize = 1L << pageShift;
    }

    /**
     * A page for user memory: GFP_HIGHUSER_MOVABLE as the faulting CPU (highmem on i386), zeroed through
     * physical memory when asked ({@code vma_alloc_zeroed_movable_folio}), as the kernel's
     * {@code clear_user_highpage} goes through a temporary kmap rather than a permanent kernel address.
     *
     * @return the pfn, or {@link PageAllocator#NO_PFN}
     */
    long allocUserPage(Cpu cpu, boolean zero) {
        return pages.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE | (zero ? Gfp.__GFP_ZERO : 0), 0);
    }

    /** {@code copy_user_highpage()}: 4 KiB (a page) from frame to frame, through physical memory. */
    void copyUserPage(long dstPfn, long srcPfn) {
        memory.copy(dstPfn << pageShift, srcPfn << pageShift, (int) pageSize);
    }

    /**
     * The PTE of a page in a VMA ({@code mk_pte(page, vma->vm_page_prot)} plus {@code extra}), or the
     * PROT_NONE entry when the VMA allows no access.
     */
    long entry(long pfn, Vma vma, int extra) {
        return entry(pfn, vma.flags(), vma.file() != null, extra);
    }

    /**
     * The PTE of a page for vm_flags; a shared file mapping's {@code vm_page_prot} is write-protected
     * ({@code vma_wants_writenotify}, mm/mmap.c: the file has {@code ->page_mkwrite} and accounts dirty
     * pages), so the first write to a page reaches {@code ->page_mkwrite} through {@code do_wp_page}.
     */
    long entry(long pfn, long vmFlags, boolean file, int extra) {
        int prot = PageProt.vmGetPageProt(vmFlags);
        if (prot == PageProt.PROT_NONE) {
            return tables.mkProtNone(pfn);
        }
        if (file) {
            prot &= ~PteFlags.WRITE;
        }
        return tables.mkPte(pfn, prot | extra);
    }

    /**
     * The flags a written PTE of a fault gets: young, and for a write dirty and writable if the VMA is
     * ({@code maybe_mkwrite(pte_mkdirty(entry), vma)}).
     */
    static int faultExtra(boolean write, long vmFlags) {
        int extra = PteFlags.ACCESSED;
        if (write) {
            extra = PageProt.maybeMkwrite(extra | PteFlags.DIRTY, vmFlags);
        }
        return extra;
    }

    /** {@code flush_tlb_page(vma, address)}: the page's translation goes from every CPU running the mm. */
    void flushPage(Cpu cpu, Mm mm, long address) {
        mmu.flushTlbMmRange(cpu, mm.pgdPhys(), address, address + pageSize);
    }

    /**
     * {@code vm_normal_page() != NULL} for a PTE of the VMA: false for a present special PTE (remap_pfn_range's,
     * arches with ARCH_HAS_PTE_SPECIAL, mm/memory.c) and for a PROT_NONE entry of a VM_PFNMAP VMA (whose special
     * bit the non-present encoding does not show; kmemu's limit: a COW copy there made PROT_NONE is not freed);
     * the zero page is the caller's check.
     */
    boolean normalPage(Vma vma, long pte) {
        if (tables.present(pte) && tables.hasPteSpecial()) {
            // ARCH_HAS_PTE_SPECIAL: the bit alone decides; a COW copy in a private VM_PFNMAP VMA is a normal page
            return (tables.flags(pte) & PteFlags.SPECIAL) == 0;
        }
        return (vma.flags() & VmFlags.VM_PFNMAP) == 0;
    }

    /** @return the RSS counter a page of this VMA counts in ({@code mm_counter}) */
    int mmCounter(Vma vma, long pfn) {
        if (pages.pageAnon(pfn)) {
            return Mm.MM_ANONPAGES;
        }
        return vma.file() == null && (vma.flags() & VmFlags.VM_SHARED) != 0 ? Mm.MM_SHMEMPAGES : Mm.MM_FILEPAGES;
    }
}
