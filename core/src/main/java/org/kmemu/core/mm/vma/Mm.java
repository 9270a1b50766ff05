package org.kmemu.core.mm.vma;

import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.KernelPageTables;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.mmu.MmuContext;
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
 * The copy and, on x86-32 without PAE, the root's place on {@code pgd_list} are
 * {@link KernelPageTables#pgdCtor}'s, which also says how kernel root entries made later reach this root
 * ({@link org.kmemu.api.PgdSync}).
 *
 * <p><b>PAE's user PMDs</b> ({@link Mmu#prepopulateUserRoot()}): {@code pgd_alloc} allocates a zeroed PMD for
 * every user PDPT entry and points the entry at it before anyone can load the root
 * ({@code preallocate_pmds} + {@code pgd_prepopulate_pmd}, arch/x86/mm/pgtable.c: the CPU reads the four
 * PDPTEs only when CR3 is loaded). They count as this mm's page-table pages ({@code mm_inc_nr_pmds}) and
 * {@link #destroy} frees them with the rest ({@code pgd_mop_up_pmds}). kmemu's PDPT takes a whole page
 * where Linux takes 32 bytes from its {@code pgd_cache}.
 *
 * <p><b>The MMU context</b> ({@link #context()}): made by {@code init_new_context}, given an id on a tagged
 * TLB when a CPU first switches to the mm, given back by {@link #destroy}.
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
    private final MmuContext context;
    private final int kernelPgdBoundary;
    private final MmapLayout layout;
    private final VmaTree vmas;
    private final MmapLock mmapLock;
    private final Object pageTableLock = new Object();
    private final java.util.concurrent.atomic.AtomicLong pgtablesPages = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean hasPinned;
    private final java.util.concurrent.atomic.AtomicInteger users = new java.util.concurrent.atomic.AtomicInteger(1);
    private boolean pgdFreed;
    private long startBrk;
    private long brk;
    private long startStack;

    private Mm(long pgdPhys, MmuContext context, int kernelPgdBoundary, MmapLayout layout, KernelLog log) {
        this.pgdPhys = pgdPhys;
        this.context = context;
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
     * {@code mm_alloc()}: a new, empty address space: {@code pgd_alloc} (root, kernel half, PAE's user PMDs)
     * and {@code init_new_context}.
     *
     * @param cpu    the calling CPU (the tables come from its per-CPU lists)
     * @param pages  the page API
     * @param mmu    the MMU: format, RAM, the kernel tables, the context ids
     * @param layout the process layout
     * @param log    the kernel log (the mmap lock's asserts)
     * @return the mm, or null when no page is left for its root or PMDs (-ENOMEM; nothing is leaked)
     */
    public static Mm alloc(Cpu cpu, PageApi pages, Mmu mmu, MmapLayout layout, KernelLog log) {
        PageTableFormat format = mmu.format();
        KernelPageTables kernel = mmu.kernelTables();
        // GFP_PGTABLE_USER = GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT (include/asm-generic/pgalloc.h)
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL_ACCOUNT | Gfp.__GFP_ZERO, 0);
        if (pfn == PageAllocator.NO_PFN) {
            return null;
        }
        long pgd = pfn << layout.pageShift();
        int boundary = kernel.kernelPgdBoundary();
        long[] pmds = mmu.prepopulateUserRoot() ? preallocatePmds(cpu, pages, boundary, layout.pageShift()) : new long[0];
        if (pmds == null) {
            pages.putPage(cpu, pfn);
            return null;
        }
        kernel.pgdCtor(pgd);
        // pgd_prepopulate_pmd: pud_populate writes __pa(pmd) | _PAGE_PRESENT; the format keeps only P in a PDPTE.
        for (int i = 0; i < pmds.length; i++) {
            writeEntry(mmu.memory(), pgd + (long) i * format.entryBytes(), format.entryBytes(),
                    format.encodeTable(pmds[i], 0, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER));
        }
        Mm mm = new Mm(pgd, mmu.newContext(pgd), boundary, layout, log);
        mm.addPageTablePages(pmds.length);
        return mm;
    }

    /**
     * {@code preallocate_pmds}: one zeroed lowmem page per user root slot (GFP_PGTABLE_USER without
     * __GFP_HIGHMEM), all or none.
     *
     * @return the tables' physical addresses, or null with every page given back
     */
    private static long[] preallocatePmds(Cpu cpu, PageApi pages, int count, int pageShift) {
        long[] pmds = new long[count];
        for (int i = 0; i < count; i++) {
            long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL_ACCOUNT | Gfp.__GFP_ZERO, 0);
            if (pfn == PageAllocator.NO_PFN) {
                for (int j = 0; j < i; j++) {
                    pages.putPage(cpu, pmds[j] >>> pageShift);
                }
                return null;
            }
            pmds[i] = pfn << pageShift;
        }
        return pmds;
    }

    /** pgd_index(): the root-table slot of a virtual address. */
    static int pgdIndex(PageTableFormat format, long vaddr) {
        return (int) ((vaddr >>> format.indexShift(0)) & ((1L << format.indexBits(0)) - 1));
    }

    @Override
    public long pgdPhys() {
        return pgdPhys;
    }

    @Override
    public MmuContext context() {
        return context;
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

    /**
     * {@code mm_set_has_pinned_flag}: a FOLL_PIN was taken in this mm at some time (MMF_HAS_PINNED), so that
     * fork copies pinned anonymous pages at once instead of sharing them COW
     * ({@code folio_needs_cow_for_dma}, include/linux/mm.h).
     */
    public void setHasPinned() {
        hasPinned = true;
    }

    /** @return whether MMF_HAS_PINNED is set */
    public boolean hasPinned() {
        return hasPinned;
    }

    /** @return {@code mm->mm_users}: the tasks sharing this address space (1 when made) */
    public int users() {
        return users.get();
    }

    /** {@code mmget()}: one more task uses this mm (a task created on it besides the first). */
    public void mmget() {
        if (users.getAndIncrement() <= 0) {
            users.getAndDecrement();
            throw new IllegalStateException("mmget: " + this + " has no users left (expected: a live mm)");
        }
    }

    /**
     * The counting half of {@code mmput()}: drops one user.
     *
     * @return true if that was the last, so the caller must tear the mm down ({@code __mmput})
     */
    public boolean mmputTestZero() {
        int left = users.decrementAndGet();
        if (left < 0) {
            users.incrementAndGet();
            throw new IllegalStateException("mmput: " + this + " has no users left (expected: one mmput per mmget)");
        }
        return left == 0;
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
     * The end of an mm's life ({@code exit_mmap} then {@code mmdrop}'s {@code pgd_free} and
     * {@code destroy_context}): every VMA goes, the TLBs drop the mm's entries (exit_mmap's
     * {@code tlb_finish_mmu}, a {@code flush_tlb_mm}), the user half's page tables are freed
     * ({@code free_pgtables}, and PAE's preallocated PMDs, {@code pgd_mop_up_pmds}), the root leaves
     * {@code pgd_list} ({@code pgd_dtor}), the context id goes back, and the root is freed. The caller holds
     * no mmap lock and no CPU runs the mm any more (not even lazily: move such CPUs to {@code init_mm}
     * first). Pages mapped by user PTEs are not this layer's: the caller has zapped them (unmap_vmas), so
     * finding one is a bug.
     *
     * @param cpu   the calling CPU
     * @param pages the page API the root came from
     * @param mmu   the MMU the mm was made on
     * @throws IllegalStateException if the mm was destroyed before or a CPU still runs it
     */
    public void destroy(Cpu cpu, PageApi pages, Mmu mmu) {
        if (pgdFreed) {
            throw new IllegalStateException("mm destroyed twice");
        }
        PageTableFormat format = mmu.format();
        PhysicalMemory memory = mmu.memory();
        mmu.flushTlbMm(cpu, context);
        // destroy_context first: it refuses an mm a CPU still runs before anything is freed.
        mmu.destroyContext(context);
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
        mmu.kernelTables().pgdDtor(pgdPhys);
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
            memory.writeLongAtomic(addr, value);
        } else {
            memory.writeIntAtomic(addr, (int) value);
        }
    }

    @Override
    public String toString() {
        return String.format("mm pgd %#x, %d vmas", pgdPhys, vmas.mapCount());
    }
}
