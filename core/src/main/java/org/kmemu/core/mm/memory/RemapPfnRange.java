package org.kmemu.core.mm.memory;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.Errno;
import org.kmemu.api.PageCacheMode;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.kernel.VmapArea;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * How a driver's {@code ->mmap} puts kernel memory or device memory into the VMA it was given
 * (mm/memory.c, mm/vmalloc.c):
 *
 * <ul>
 *   <li>{@link #remapPfnRange} / {@link #ioRemapPfnRange}: raw frames, RAM (reserved pages) or MMIO. The VMA
 *       becomes VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP; every PTE is special ({@code pte_mkspecial}),
 *       so {@code vm_normal_page} answers NULL for it: no reference, no mapcount, no RSS is taken, zap skips
 *       the struct page, GUP refuses the VMA (check_vma_flags) and gup-fast the PTE.</li>
 *   <li>{@link #vmInsertPage}: one page with a struct page into a VM_MIXEDMAP VMA: a normal PTE with a
 *       reference, a file mapcount and MM_FILEPAGES, undone by zap as any file page.</li>
 *   <li>{@link #remapVmallocRange}: every page of a {@code vmalloc_user} area, through vm_insert_page.</li>
 * </ul>
 * The caller holds the mm's mmap lock for write, as ->mmap runs under it. Errors are the kernel's: -EINVAL,
 * -EFAULT, -EBUSY, -ENOMEM. Thread-safe as the page tables are (the mm's page-table lock).
 */
public final class RemapPfnRange {
    /** VM_REMAP_FLAGS (mm/memory.c): what remap_pfn_range sets on the VMA. */
    public static final long VM_REMAP_FLAGS = VmFlags.VM_IO | VmFlags.VM_PFNMAP | VmFlags.VM_DONTEXPAND
            | VmFlags.VM_DONTDUMP;

    private final FaultSupport s;
    private final PageFrames frames;
    private final UserPageTableOps ops;

    RemapPfnRange(FaultSupport s, PageFrames frames, UserPageTableOps ops) {
        this.s = s;
        this.frames = frames;
        this.ops = ops;
    }

    /**
     * @param vma a VMA
     * @return {@code vma->vm_page_prot} as {@link PteFlags} (without PRESENT): what a driver passes on
     *         unchanged, or with {@link #pgprotNoncached}; 0 for a PROT_NONE VMA
     */
    public static int vmPageProt(Vma vma) {
        int prot = PageProt.vmGetPageProt(vma.flags());
        return prot == PageProt.PROT_NONE ? 0 : prot;
    }

    /**
     * {@code pgprot_noncached()}: the arch's uncached bits, as ioremap gets them (x86 UC-: PCD through the PAT
     * index; e500 I and G; {@link ArchSpec#ioremapPteFlags}).
     *
     * @param arch the architecture
     * @param prot PTE flags
     * @return prot with caching disabled
     */
    public static int pgprotNoncached(ArchSpec arch, int prot) {
        return prot | arch.ioremapPteFlags(PageCacheMode.UC_MINUS);
    }

    /**
     * {@code pgprot_writecombine()}: what frame buffers map with (x86 pgprot_framebuffer; PAT's WC entry, PWT;
     * e500 I without G).
     *
     * @param arch the architecture
     * @param prot PTE flags
     * @return prot with write-combining
     */
    public static int pgprotWritecombine(ArchSpec arch, int prot) {
        return prot | arch.ioremapPteFlags(PageCacheMode.WC);
    }

    /**
     * {@code remap_pfn_range(vma, addr, pfn, size, prot)}: maps the frames [pfn, pfn + size/PAGE_SIZE) at
     * [addr, addr + PAGE_ALIGN(size)).
     *
     * <p>Refusals (mm/memory.c remap_pfn_range_internal, get_remap_pgoff, remap_pte_range): an unaligned addr
     * is -EINVAL (after WARN_ON_ONCE in the kernel); a copy-on-write mapping (private, may write) must be
     * remapped whole (-EINVAL), and its vm_pgoff becomes the pfn; a range outside the VMA is -EINVAL (the
     * kernel's BUG_ON(addr &gt;= end) and the VMA's bounds, which remap_pfn_range_internal assumes); a PTE
     * already in use is the kernel's BUG_ON(!pte_none), reported here as -EBUSY without touching it; a page
     * table that cannot be had is -ENOMEM. After a partial failure the part already mapped is zapped, as
     * remap_pfn_range_notrack does, so no PTE is left to frames the driver may free.
     *
     * @param cpu  the calling CPU
     * @param mm   the VMA's mm
     * @param vma  the VMA being mapped (from ->mmap)
     * @param addr the user address, page aligned, inside the VMA
     * @param pfn  the first frame (RAM or device)
     * @param size bytes, rounded up to pages
     * @param prot PTE flags ({@link #vmPageProt}, maybe {@link #pgprotNoncached})
     * @return 0 or a negative errno
     */
    public int remapPfnRange(Cpu cpu, Mm mm, Vma vma, long addr, long pfn, long size, int prot) {
        if ((addr & (s.pageSize - 1)) != 0) {
            return -Errno.EINVAL;
        }
        long end = addr + ((size + s.pageSize - 1) & -s.pageSize);
        if (Long.compareUnsigned(addr, end) >= 0 || Long.compareUnsigned(addr, vma.start()) < 0
                || Long.compareUnsigned(end, vma.end()) > 0) {
            return -Errno.EINVAL;
        }
        boolean cow = (vma.flags() & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) == VmFlags.VM_MAYWRITE;
        if (cow) {
            if (addr != vma.start() || end != vma.end()) {
                return -Errno.EINVAL;
            }
            vma.setRemapPgoff(pfn);
        }
        vma.vmFlagsSet(VM_REMAP_FLAGS);
        int ret = 0;
        long a = addr;
        synchronized (mm.pageTableLock()) {
            for (long p = pfn; Long.compareUnsigned(a, end) < 0; a += s.pageSize, p++) {
                long ptep = s.tables.ptep(cpu, mm, a, true);
                if (ptep == UserPageTables.NO_PTEP) {
                    ret = -Errno.ENOMEM;
                    break;
                }
                if (!UserPageTables.pteNone(s.tables.readPte(ptep))) {
                    ret = -Errno.EBUSY;
                    break;
                }
                // set_pte_at(mm, addr, pte, pte_mkspecial(pfn_pte(pfn, prot))): young and dirty as pfn_pte
                // of a driver's prot would not be; the hardware sets them on access.
                s.tables.writePte(ptep, prot == 0 ? s.tables.mkProtNone(p) : s.tables.mkPte(p, prot | PteFlags.SPECIAL));
            }
        }
        if (ret != 0 && a != addr) {
            ops.unmapRange(cpu, mm, vma, addr, a); // zap_page_range_single: the partial mapping goes
        }
        return ret;
    }

    /**
     * {@code io_remap_pfn_range()}: remap_pfn_range of device memory. On x86 and on powerpc the physical
     * address needs no fixing up ({@code io_remap_pfn_range_pfn} is the identity, include/linux/mm.h), and
     * the caller's prot is used as given; drivers pass {@link #pgprotNoncached} for registers.
     *
     * @param cpu  the calling CPU
     * @param mm   the VMA's mm
     * @param vma  the VMA
     * @param addr the user address
     * @param pfn  the device's first frame
     * @param size bytes
     * @param prot PTE flags
     * @return 0 or a negative errno, as {@link #remapPfnRange}
     */
    public int ioRemapPfnRange(Cpu cpu, Mm mm, Vma vma, long addr, long pfn, long size, int prot) {
        return remapPfnRange(cpu, mm, vma, addr, pfn, size, prot);
    }

    /**
     * {@code vm_iomap_memory(vma, start, len)} (mm/memory.c): what fb_mmap and simple drivers use to map a
     * physical window, the VMA's vm_pgoff counting pages into it. Refusals, all -EINVAL: a window that wraps;
     * vm_pgoff past the window; a VMA longer than what is left of the window after vm_pgoff. The mapping is
     * io_remap_pfn_range with the VMA's own protection.
     *
     * @param cpu   the calling CPU
     * @param mm    the VMA's mm
     * @param vma   the VMA
     * @param start the window's physical address (need not be page aligned: its page is mapped)
     * @param len   the window's bytes
     * @param prot  PTE flags (the VMA's, maybe made uncached by the caller)
     * @return 0 or a negative errno
     */
    public int vmIomapMemory(Cpu cpu, Mm mm, Vma vma, long start, long len, int prot) {
        if (start + len < start) {
            return -Errno.EINVAL;
        }
        len += start & (s.pageSize - 1);
        long pfn = start >>> s.pageShift;
        long pages = (len + s.pageSize - 1) >>> s.pageShift;
        if (pfn + pages < pfn || Long.compareUnsigned(vma.pgoff(), pages) > 0) {
            return -Errno.EINVAL;
        }
        pfn += vma.pgoff();
        pages -= vma.pgoff();
        long vmLen = vma.end() - vma.start();
        if ((vmLen >>> s.pageShift) > pages) {
            return -Errno.EINVAL;
        }
        return ioRemapPfnRange(cpu, mm, vma, vma.start(), pfn, vmLen, prot);
    }

    /**
     * {@code vm_insert_page(vma, addr, page)} (mm/memory.c): one kernel page into a user VMA. Refusals:
     * addr outside the VMA -EFAULT; a page with no reference -EINVAL; an anonymous, slab or typed page
     * -EINVAL (validate_page_before_insert); a VM_PFNMAP VMA is the kernel's BUG_ON, refused here with
     * -EINVAL; a PTE in use -EBUSY; no page table -ENOMEM. On success the VMA is VM_MIXEDMAP, the page has one
     * more reference and one more (file) mapcount, and the mm's file RSS counts it.
     *
     * @param cpu  the calling CPU
     * @param mm   the VMA's mm
     * @param vma  the VMA
     * @param addr a page-aligned user address in it
     * @param pfn  the page
     * @return 0 or a negative errno
     */
    public int vmInsertPage(Cpu cpu, Mm mm, Vma vma, long addr, long pfn) {
        if (Long.compareUnsigned(addr, vma.start()) < 0 || Long.compareUnsigned(addr, vma.end()) >= 0) {
            return -Errno.EFAULT;
        }
        if (!frames.pfnValid(pfn) || s.pages.pageRefCount(pfn) == 0) {
            return -Errno.EINVAL;
        }
        if ((vma.flags() & VmFlags.VM_MIXEDMAP) == 0) {
            if ((vma.flags() & VmFlags.VM_PFNMAP) != 0) {
                return -Errno.EINVAL; // BUG_ON(vma->vm_flags & VM_PFNMAP)
            }
            vma.vmFlagsSet(VmFlags.VM_MIXEDMAP);
        }
        if (s.pages.pageAnon(pfn) || (frames.flags(pfn) & (PageFlags.PG_SLAB | PageFlags.PG_LARGE_KMALLOC)) != 0) {
            return -Errno.EINVAL; // validate_page_before_insert: anon, slab, or page_has_type (a large kmalloc)
        }
        int prot = vmPageProt(vma);
        synchronized (mm.pageTableLock()) {
            long ptep = s.tables.ptep(cpu, mm, addr & -s.pageSize, true);
            if (ptep == UserPageTables.NO_PTEP) {
                return -Errno.ENOMEM;
            }
            if (!UserPageTables.pteNone(s.tables.readPte(ptep))) {
                return -Errno.EBUSY;
            }
            // insert_page_into_pte_locked: folio_get, inc_mm_counter(mm_counter_file), folio_add_file_rmap_pte,
            // set_pte_at(mk_pte(page, prot)); not special: vm_normal_page finds the page.
            s.pages.getPage(cpu, pfn);
            mm.addRss(s.mmCounter(vma, pfn), 1);
            s.pages.pageAddMapcount(pfn, 1);
            s.tables.writePte(ptep, prot == 0 ? s.tables.mkProtNone(pfn) : s.tables.mkPte(pfn, prot));
        }
        return 0;
    }

    /**
     * {@code remap_vmalloc_range(vma, addr, pgoff)} (mm/vmalloc.c remap_vmalloc_range_partial): maps the
     * whole VMA from page {@code pgoff} of the vmalloc area at {@code kaddr}. Refusals, all -EINVAL: an
     * unaligned kaddr; no area there; an area without VM_USERMAP (only vmalloc_user's are zeroed, so only
     * they may reach user space); the VMA reaching past the area's usable size (its guard page excluded).
     * Marks the VMA VM_DONTEXPAND | VM_DONTDUMP.
     *
     * @param cpu   the calling CPU
     * @param mm    the VMA's mm
     * @param vma   the VMA
     * @param kaddr the area's address (vmalloc_user's answer)
     * @param pgoff the first page of the area to map
     * @return 0 or a negative errno (-EINVAL; vm_insert_page's errors)
     */
    public int remapVmallocRange(Cpu cpu, Mm mm, Vma vma, Vmalloc vmalloc, long kaddr, long pgoff) {
        if ((kaddr & (s.pageSize - 1)) != 0 || pgoff < 0 || pgoff > (Long.MAX_VALUE >>> s.pageShift)) {
            return -Errno.EINVAL; // !PAGE_ALIGNED(kaddr), check_shl_overflow(pgoff, PAGE_SHIFT)
        }
        VmapArea area = vmalloc.findVmArea(kaddr);
        if (area == null || area.vaStart() != kaddr) {
            return -Errno.EINVAL; // find_vm_area(): NULL
        }
        if ((area.flags() & Vmalloc.VM_USERMAP) == 0) {
            return -Errno.EINVAL;
        }
        long off = pgoff << s.pageShift;
        long size = vma.end() - vma.start();
        if (Long.compareUnsigned(size + off, area.usableSize(s.pageSize)) > 0 || size + off < off) {
            return -Errno.EINVAL;
        }
        long[] pfns = area.pages();
        int first = (int) pgoff;
        for (long uaddr = vma.start(), i = first; Long.compareUnsigned(uaddr, vma.end()) < 0; uaddr += s.pageSize, i++) {
            int ret = vmInsertPage(cpu, mm, vma, uaddr, pfns[(int) i]);
            if (ret != 0) {
                return ret; // the kernel leaves what it inserted for the failing mmap's unmap
            }
        }
        vma.vmFlagsSet(VmFlags.VM_DONTEXPAND | VmFlags.VM_DONTDUMP);
        return 0;
    }
}
