package org.kmemu.core.proc;

import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * /proc/PID/smaps as fs/proc/task_mmu.c {@code show_smap} prints it (6.x): each VMA's /proc/PID/maps line
 * ({@link PidMaps}), then {@code Size}, {@code KernelPageSize}, {@code MMUPageSize} and {@code __show_smap}'s
 * counters, each {@code SEQ_PUT_DEC}: the label, the value in kB right-aligned in 8 columns, " kB"
 * ({@code Private_Hugetlb} in 7, its label being one wider); then {@code THPeligible} ({@code %8u}) and
 * {@code VmFlags} with two-letter mnemonics, each followed by a space.
 *
 * <p>The counters come from a walk of the VMA's PTEs through {@link UserPageTables} ({@code smaps_pte_entry}
 * → {@code smaps_account}): a present PTE with a struct page behind it ({@code vm_normal_page}: none in
 * VM_PFNMAP) adds a page to Rss; to Referenced if the PTE is young or the page PG_referenced; to Anonymous
 * for an anonymous page, and LazyFree if that page is not PG_swapbacked and clean; a page with refcount 1
 * is private with its whole size in Pss, else each page is private when its mapcount is below 2, and its Pss
 * share is PAGE_SIZE / mapcount (in 1/4096 fixed point, PSS_SHIFT 12); dirty means PTE dirty or PG_dirty;
 * Locked is the Pss of a VM_LOCKED VMA. Swap, KSM, huge pages and THP do not exist in kmemu: those lines are
 * 0, THPeligible is 0, and ProtectionKey is not printed (no pkeys).
 */
public final class PidSmaps {
    /** PSS_SHIFT (fs/proc/task_mmu.c): Pss is kept in 1/4096 of a byte. */
    static final int PSS_SHIFT = 12;

    /** show_smap_vma_flags' mnemonics, by bit number (fs/proc/task_mmu.c); null where kmemu has no flag. */
    private static final String[] MNEMONICS = new String[64];

    static {
        mnemonic(VmFlags.VM_READ, "rd");
        mnemonic(VmFlags.VM_WRITE, "wr");
        mnemonic(VmFlags.VM_EXEC, "ex");
        mnemonic(VmFlags.VM_SHARED, "sh");
        mnemonic(VmFlags.VM_MAYREAD, "mr");
        mnemonic(VmFlags.VM_MAYWRITE, "mw");
        mnemonic(VmFlags.VM_MAYEXEC, "me");
        mnemonic(VmFlags.VM_MAYSHARE, "ms");
        mnemonic(VmFlags.VM_GROWSDOWN, "gd");
        mnemonic(VmFlags.VM_PFNMAP, "pf");
        mnemonic(VmFlags.VM_LOCKED, "lo");
        mnemonic(VmFlags.VM_IO, "io");
        mnemonic(VmFlags.VM_SEQ_READ, "sr");
        mnemonic(VmFlags.VM_RAND_READ, "rr");
        mnemonic(VmFlags.VM_DONTCOPY, "dc");
        mnemonic(VmFlags.VM_DONTEXPAND, "de");
        mnemonic(VmFlags.VM_LOCKONFAULT, "lf");
        mnemonic(VmFlags.VM_ACCOUNT, "ac");
        mnemonic(VmFlags.VM_NORESERVE, "nr");
        mnemonic(VmFlags.VM_HUGETLB, "ht");
        mnemonic(VmFlags.VM_SYNC, "sf");
        mnemonic(VmFlags.VM_ARCH_1, "ar");
        mnemonic(VmFlags.VM_WIPEONFORK, "wf");
        mnemonic(VmFlags.VM_DONTDUMP, "dd");
        mnemonic(VmFlags.VM_SOFTDIRTY, "sd");
        mnemonic(VmFlags.VM_MIXEDMAP, "mm");
        mnemonic(VmFlags.VM_HUGEPAGE, "hg");
        mnemonic(VmFlags.VM_NOHUGEPAGE, "nh");
        mnemonic(VmFlags.VM_MERGEABLE, "mg");
        mnemonic(VmFlags.VM_UFFD_MISSING, "um");
        mnemonic(VmFlags.VM_UFFD_WP, "uw");
    }

    private static void mnemonic(long flag, String name) {
        MNEMONICS[Long.numberOfTrailingZeros(flag)] = name;
    }

    private final UserPageTables tables;
    private final PageApi pages;
    private final PageFrames frames;
    private final int pointerBytes;

    /**
     * @param tables       the user page tables (the walk)
     * @param pages        the page API (refcount, mapcount, PageAnon)
     * @param frames       the page frames (PG_dirty, PG_referenced, PG_swapbacked)
     * @param pointerBytes sizeof(void *): 8 on x86_64, 4 on i386 and e500
     */
    public PidSmaps(UserPageTables tables, PageApi pages, PageFrames frames, int pointerBytes) {
        this.tables = tables;
        this.pages = pages;
        this.frames = frames;
        this.pointerBytes = pointerBytes;
    }

    /** struct mem_size_stats: bytes, Pss fields in bytes &lt;&lt; PSS_SHIFT. */
    static final class MemSizeStats {
        long resident;
        long sharedClean;
        long sharedDirty;
        long privateClean;
        long privateDirty;
        long referenced;
        long anonymous;
        long lazyfree;
        long pss;
        long pssDirty;
        long pssLocked;
    }

    /**
     * @param cpu the reading CPU
     * @param mm  the task's mm (its mmap lock is taken for read here, as m_start does)
     * @return the file's text
     */
    public String render(Cpu cpu, Mm mm) {
        StringBuilder sb = new StringBuilder();
        int shift = tables.pageShift();
        mm.mmapLock().readLock();
        try {
            for (Vma vma : mm.vmas().vmas()) {
                PidMaps.appendLine(sb, mm, vma, shift, pointerBytes);
                MemSizeStats mss = walk(cpu, mm, vma);
                dec(sb, "Size:           ", vma.end() - vma.start());
                dec(sb, " kB\nKernelPageSize: ", 1L << shift);
                dec(sb, " kB\nMMUPageSize:    ", 1L << shift);
                sb.append(" kB\n");
                showSmap(sb, mss);
                width(sb, "THPeligible:    ", 0, 8); // thp_vma_allowable_orders: kmemu has no THP
                sb.append('\n');
                sb.append("VmFlags: ");
                long flags = vma.flags();
                for (int bit = 0; bit < 64; bit++) {
                    if ((flags & (1L << bit)) != 0 && MNEMONICS[bit] != null) {
                        sb.append(MNEMONICS[bit]).append(' ');
                    }
                }
                sb.append('\n');
            }
        } finally {
            mm.mmapLock().readUnlock();
        }
        return sb.toString();
    }

    /** __show_smap(m, mss, rollup_mode = false). */
    private static void showSmap(StringBuilder sb, MemSizeStats mss) {
        dec(sb, "Rss:            ", mss.resident);
        dec(sb, " kB\nPss:            ", mss.pss >> PSS_SHIFT);
        dec(sb, " kB\nPss_Dirty:      ", mss.pssDirty >> PSS_SHIFT);
        dec(sb, " kB\nShared_Clean:   ", mss.sharedClean);
        dec(sb, " kB\nShared_Dirty:   ", mss.sharedDirty);
        dec(sb, " kB\nPrivate_Clean:  ", mss.privateClean);
        dec(sb, " kB\nPrivate_Dirty:  ", mss.privateDirty);
        dec(sb, " kB\nReferenced:     ", mss.referenced);
        dec(sb, " kB\nAnonymous:      ", mss.anonymous);
        dec(sb, " kB\nKSM:            ", 0);
        dec(sb, " kB\nLazyFree:       ", mss.lazyfree);
        dec(sb, " kB\nAnonHugePages:  ", 0);
        dec(sb, " kB\nShmemPmdMapped: ", 0);
        dec(sb, " kB\nFilePmdMapped:  ", 0);
        dec(sb, " kB\nShared_Hugetlb: ", 0);
        width(sb, " kB\nPrivate_Hugetlb: ", 0, 7);
        dec(sb, " kB\nSwap:           ", 0);
        dec(sb, " kB\nSwapPss:        ", 0);
        dec(sb, " kB\nLocked:         ", mss.pssLocked >> PSS_SHIFT);
        sb.append(" kB\n");
    }

    /** SEQ_PUT_DEC: seq_put_decimal_ull_width(m, str, val &gt;&gt; 10, 8). */
    private static void dec(StringBuilder sb, String label, long bytes) {
        width(sb, label, bytes >> 10, 8);
    }

    private static void width(StringBuilder sb, String label, long v, int width) {
        sb.append(label);
        String s = Long.toUnsignedString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        sb.append(s);
    }

    /** walk_page_vma with smaps_pte_entry for every PTE of the VMA. */
    MemSizeStats walk(Cpu cpu, Mm mm, Vma vma) {
        MemSizeStats mss = new MemSizeStats();
        int shift = tables.pageShift();
        long pageSize = 1L << shift;
        long tableSpan = (1L << tables.format().indexBits(tables.format().levels() - 1)) << shift;
        boolean locked = (vma.flags() & VmFlags.VM_LOCKED) != 0;
        long addr = vma.start();
        while (Long.compareUnsigned(addr, vma.end()) < 0) {
            long ptep = tables.ptep(cpu, mm, addr, false);
            if (ptep == UserPageTables.NO_PTEP) {
                long next = (addr + tableSpan) & ~(tableSpan - 1);
                addr = Long.compareUnsigned(next, addr) <= 0 ? vma.end() : next;
                continue;
            }
            long pte;
            synchronized (mm.pageTableLock()) {
                pte = tables.readPte(ptep);
            }
            if (tables.present(pte) && (vma.flags() & VmFlags.VM_PFNMAP) == 0 && (tables.flags(pte) & PteFlags.SPECIAL) == 0
                    && frames.pfnValid(tables.pfn(pte))) { // vm_normal_page(): NULL for a special PTE
                int f = tables.flags(pte);
                account(mss, tables.pfn(pte), pageSize, (f & PteFlags.ACCESSED) != 0, (f & PteFlags.DIRTY) != 0, locked);
            }
            addr += pageSize;
        }
        return mss;
    }

    /** smaps_account for one small page. */
    private void account(MemSizeStats mss, long pfn, long size, boolean young, boolean dirty, boolean locked) {
        int pageFlags = frames.flags(pfn);
        boolean pageDirty = (pageFlags & PageFlags.PG_DIRTY) != 0;
        if (pages.pageAnon(pfn)) {
            mss.anonymous += size;
            if ((pageFlags & PageFlags.PG_SWAPBACKED) == 0 && !dirty && !pageDirty) {
                mss.lazyfree += size;
            }
        }
        mss.resident += size;
        if (young || (pageFlags & PageFlags.PG_REFERENCED) != 0) {
            mss.referenced += size;
        }
        int mapcount = pages.pageMapcount(pfn);
        long pss = size << PSS_SHIFT;
        boolean isPrivate;
        if (pages.pageRefCount(pfn) == 1) {
            isPrivate = true;
        } else {
            if (mapcount >= 2) {
                pss /= mapcount;
            }
            isPrivate = mapcount < 2;
        }
        mss.pss += pss;
        if (locked) {
            mss.pssLocked += pss;
        }
        if (dirty || pageDirty) {
            mss.pssDirty += pss;
            if (isPrivate) {
                mss.privateDirty += size;
            } else {
                mss.sharedDirty += size;
            }
        } else if (isPrivate) {
            mss.privateClean += size;
        } else {
            mss.sharedClean += size;
        }
    }
}
