package org.kmemu.core.mm.vma;

import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.MmStruct;

/**
 * A process address space, {@code struct mm_struct}: its own top-level page table, its VMAs, its mmap
 * lock, TASK_SIZE and mmap_base.
 *
 * <p><b>The page-table root</b> ({@code mm_alloc_pgd} → {@code pgd_alloc}) is a zeroed page from the page
 * allocator in the arch's format, whose kernel half is a copy of the kernel's root, so that every process
 * sees the kernel at the same addresses with the same lower tables:
 * <ul>
 *   <li>x86 ({@code pgd_ctor} → {@code clone_pgd_range(pgd + KERNEL_PGD_BOUNDARY, swapper_pg_dir +
 *       KERNEL_PGD_BOUNDARY, KERNEL_PGD_PTRS)}, arch/x86/mm/pgtable.c): entries from pgd_index(PAGE_OFFSET)
 *       up; on i386 that is TASK_SIZE's index (768 of 1024 with 3G/1G), on x86_64 the direct map's (273 of
 *       512), leaving the guard hole and LDT remap slots between TASK_SIZE and PAGE_OFFSET empty.</li>
 *   <li>e500 (arch/powerpc/mm/pgtable_32.c / include/asm/nohash/pgalloc.h pgd_alloc): {@code memcpy(ret +
 *       USER_PTRS_PER_PGD, swapper_pg_dir + USER_PTRS_PER_PGD, ...)} with USER_PTRS_PER_PGD = TASK_SIZE /
 *       PGDIR_SIZE; TASK_SIZE = PAGE_OFFSET there too.</li>
 * </ul>
 * Not modelled yet: i386 PAE's preallocated user PMDs (pgd_prepopulate_pmd) and the pgd_list that keeps
 * x86-32 user roots in step with kernel PGD entries made after the fork (sync_global_pgds); kmemu's
 * kernel tables above PAGE_OFFSET are copied as they are when the mm is made.
 *
 * <p>Thread-safety: the VMA tree is guarded by the mmap lock as in the kernel (read to look up, write to
 * change); the root never changes after creation.
 */
public final class Mm implements MmStruct {
    /** {@code MM_FILEPAGES} (include/linux/mm_types.h): resident file-backed pages. */
    public static final int MM_FILEPAGES = 0;
    /** {@code MM_ANONPAGES}: resident anonymous pages. */
    public static final int MM_ANONPAGES = 1;
    /** {@code MM_SWAPENTS}: anonymous swap entries (no swap in kmemu: always 0). */
    public static final int MM_SWAPENTS = 2;
    /** {@code MM_SHMEMPAGES}: resident shmem pages. */
    public static final int MM_SHMEMPAGES = 3;
    /** {@code NR_MM_COUNTERS}. */
    public static final int NR_MM_COUNTERS = 4;

    // mm->rss_stat: percpu_counters in 6.2+; a LongAdder is the same trade (cheap add, summing read).
    private final java.util.concurrent.atomic.LongAdder[] rssStat = new java.util.concurrent.atomic.LongAdder[NR_MM_COUNTERS];
    private final long pgdPhys;
    private final int kernelPgdBoundary;
    private final MmapLayout layout;
    private final VmaTree vmas;
    private final MmapLock mmapLock;
    private final Object pageTableLock = new Object();
    private final java.util.concurrent.atomic.AtomicLong pgtablesPages = new java.util.concurrent.atomic.AtomicLong();
    private boolean pgdFreed;
    private long startBrk;
    private long brk;
    private long startStack;

    private Mm(long pgdPhys, int kernelPgdBoundary, MmapLayout layout, KernelLog log) {
        this.pgdPhys = pgdPhys;
        this.kernelPgdBoundary = kernelPgdBoundary;
        this.layout = layout;
        this.vmas = new VmaTree(layout.pageShift());
        this.mmapLock = new MmapLock(log);
        for (int i = 0; i < NR_MM_COUNTERS; i++) {
            rssStat[i] = new java.util.concurrent.atomic.LongAdder();
        }
    }

    /**
     * {@code add_mm_counter(mm, member, value)}.
     *
     * @param member {@link #MM_FILEPAGES}, {@link #MM_ANONPAGES}, {@link #MM_SWAPENTS} or {@link #MM_SHMEMPAGES}
     * @param delta  pages added (+) or gone (-)
     */
    public void addRss(int member, long delta) {
        rssStat[member].add(delta);
    }

    /**
     * @param member an MM_* counter
     * @return {@code get_mm_counter(mm, member)}: its pages (a sum that may lag concurrent faults)
     */
    public long rss(int member) {
        return rssStat[member].sum();
    }

    /** @return {@code get_mm_rss()}: file + anon + shmem pages (VmRSS in /proc/PID/status) */
    public long rss() {
        return rss(MM_FILEPAGES) + rss(MM_ANONPAGES) + rss(MM_SHMEMPAGES);
    }

    /**
     * {@code mm_alloc()}: a new, empty address space.
     *
     * @param cpu        the calling CPU (the root page comes from its per-CPU lists)
     * @param pages      the page API
     * @param format     the arch's page-table format
     * @param memory     RAM, where the tables live
     * @param kernelRoot the physical address of swapper_pg_dir
     * @param kernel     the kernel layout (PAGE_OFFSET)
     * @param layout     the process layout
     * @param log        the kernel log (the mmap lock's asserts)
     * @return the mm, or null when no page is left for its root (-ENOMEM)
     */
    public static Mm alloc(Cpu cpu, PageApi pages, PageTableFormat format, PhysicalMemory memory, long kernelRoot,
            KernelLayout kernel, MmapLayout layout, KernelLog log) {
        // GFP_PGTABLE_USER = GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT (include/asm-generic/pgalloc.h)
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL_ACCOUNT | Gfp.__GFP_ZERO, 0);
        if (pfn == PageAllocator.NO_PFN) {
            return null;
        }
        long pgd = pfn << layout.pageShift();
        int boundary = pgdIndex(format, kernel.pageOffset());
        int ptrs = 1 << format.indexBits(0);
        int bytes = format.entryBytes();
        memory.copy(pgd + (long) boundary * bytes, kernelRoot + (long) boundary * bytes, (ptrs - boundary) * bytes);
        return new Mm(pgd, boundary, layout, log);
    }

    /** pgd_index(): the root-table slot of a virtual address. */
    static int pgdIndex(PageTableFormat format, long vaddr) {
        return (int) ((vaddr >>> format.indexShift(0)) & ((1L << format.indexBits(0)) - 1));
    }

    @Override
    public long pgdPhys() {
        return pgdPhys;
    }

    /** @return KERNEL_PGD_BOUNDARY / USER_PTRS_PER_PGD: the first root slot shared with the kernel */
    public int kernelPgdBoundary() {
        return kernelPgdBoundary;
    }

    /** @return TASK_SIZE */
    public long taskSize() {
        return layout.taskSize();
    }

    /** @return mm->mmap_base */
    public long mmapBase() {
        return layout.mmapBase();
    }

    /** @return the layout this mm was made with */
    public MmapLayout layout() {
        return layout;
    }

    /** @return mm->start_brk: where the heap began (0 until exec sets it) */
    public long startBrk() {
        return startBrk;
    }

    /** @return mm->brk: the heap's current end */
    public long brk() {
        return brk;
    }

    /** @return mm->start_stack: the initial stack pointer's address (0 until exec sets it) */
    public long startStack() {
        return startStack;
    }

    /**
     * Sets the heap's bounds, as exec (start_brk = brk after the image) and brk() do.
     *
     * @param startBrk mm->start_brk
     * @param brk      mm->brk
     */
    public void setBrk(long startBrk, long brk) {
        this.startBrk = startBrk;
        this.brk = brk;
    }

    /** @param startStack mm->start_stack, as exec sets it */
    public void setStartStack(long startStack) {
        this.startStack = startStack;
    }

    /** @return the VMAs (hold {@link #mmapLock()}) */
    public VmaTree vmas() {
        return vmas;
    }

    /**
     * @return {@code mm->page_table_lock}: held around a read-check-write of this mm's user PTEs and while
     *         a table is installed (kmemu has no split PTE locks)
     */
    public Object pageTableLock() {
        return pageTableLock;
    }

    /** @return {@code mm->pgtables_bytes} in pages: user page-table pages below the root (VmPTE) */
    public long pageTablePages() {
        return pgtablesPages.get();
    }

    /** @param delta page-table pages installed (+) or freed (-) ({@code mm_inc_nr_ptes} and friends) */
    public void addPageTablePages(long delta) {
        pgtablesPages.addAndGet(delta);
    }

    /** @return mm->mmap_lock */
    public MmapLock mmapLock() {
        return mmapLock;
    }

    /**
     * {@code get_unmapped_area} for this mm; asserts the mmap lock as the kernel's callers hold it.
     *
     * @param cpu   the calling CPU
     * @param hint  the address asked for, or 0
     * @param len   bytes
     * @param fixed MAP_FIXED
     * @return an address or a negative errno
     */
    public long getUnmappedArea(Cpu cpu, long hint, long len, boolean fixed) {
        mmapLock.assertLocked(cpu);
        return UnmappedArea.get(vmas, layout, hint, len, fixed);
    }

    /**
     * The end of an mm's life ({@code exit_mmap} then {@code mmdrop}'s {@code pgd_free}): every VMA goes,
     * the user half's page tables are freed ({@code free_pgtables}) and so is the root. The caller holds
     * no mmap lock and no CPU runs the mm any more. Pages mapped by user PTEs are not this layer's: the
     * caller has zapped them (unmap_vmas), so finding one is a bug.
     *
     * @param cpu    the calling CPU
     * @param pages  the page API the root came from
     * @param format the page-table format
     * @param memory RAM
     */
    public void destroy(Cpu cpu, PageApi pages, PageTableFormat format, PhysicalMemory memory) {
        if (pgdFreed) {
            throw new IllegalStateException("mm destroyed twice");
        }
        mmapLock.writeLock();
        try {
            for (Vma v : vmas.vmas().toArray(new Vma[0])) {
                vmas.unlink(v);
            }
        } finally {
            mmapLock.writeUnlock();
        }
        int bytes = format.entryBytes();
        for (int i = 0; i < kernelPgdBoundary; i++) {
            long slot = pgdPhys + (long) i * bytes;
            long entry = readEntry(memory, slot, bytes);
            if ((format.decode(entry, 0) & PteFlags.PRESENT) != 0) {
                freeTable(cpu, pages, format, memory, format.address(entry, 0), 1);
                addPageTablePages(-1);
                writeEntry(memory, slot, bytes, 0);
            }
        }
        pgdFreed = true;
        pages.putPage(cpu, pgdPhys >>> layout.pageShift());
    }

    /** free_pgd_range's walk: frees a table at {@code level} and every table below it. */
    private void freeTable(Cpu cpu, PageApi pages, PageTableFormat format, PhysicalMemory memory, long table, int level) {
        if (level < format.levels() - 1) {
            int bytes = format.entryBytes();
            int ptrs = 1 << format.indexBits(level);
            for (int i = 0; i < ptrs; i++) {
                long entry = readEntry(memory, table + (long) i * bytes, bytes);
                int decoded = format.decode(entry, level);
                if ((decoded & PteFlags.PRESENT) != 0) {
                    if ((decoded & PteFlags.HUGE) != 0) {
                        throw new IllegalStateException(String.format("pgd_free: a mapped %s huge page at level %d",
                                format.levelName(level), level));
                    }
                    freeTable(cpu, pages, format, memory, format.address(entry, level), level + 1);
                    addPageTablePages(-1);
                }
            }
        } else {
            int bytes = format.entryBytes();
            int ptrs = 1 << format.indexBits(level);
            for (int i = 0; i < ptrs; i++) {
                long entry = readEntry(memory, table + (long) i * bytes, bytes);
                if ((format.decode(entry, level) & PteFlags.PRESENT) != 0) {
                    throw new IllegalStateException("free_pgtables: a PTE still maps a page (unmap_vmas not done)");
                }
            }
        }
        pages.putPage(cpu, table >>> layout.pageShift());
    }

    private static long readEntry(PhysicalMemory memory, long addr, int bytes) {
        return bytes == 8 ? memory.readLong(addr) : memory.readInt(addr) & 0xffffffffL;
    }

    private static void writeEntry(PhysicalMemory memory, long addr, int bytes, long value) {
        if (bytes == 8) {
            memory.writeLong(addr, value);
        } else {
            memory.writeInt(addr, (int) value);
        }
    }

    @Override
    public String toString() {
        return String.format("mm pgd %#x, %d vmas", pgdPhys, vmas.mapCount());
    }
}
