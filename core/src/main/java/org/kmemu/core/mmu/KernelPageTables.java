package org.kmemu.core.mmu;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PgdSync;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PhysicalMemory;

/**
 * The kernel's page tables ({@code swapper_pg_dir}, {@code init_mm.pgd}), built at boot from the
 * architecture's {@link KernelMapping}s the way x86's {@code init_memory_mapping()} and ppc32's
 * {@code mapin_ram()} build theirs: every table is a zeroed page, and entries
 * are written into emulated RAM in the architecture's format and byte order. Boot's tables come
 * from memblock (so they are reserved, as on Linux); later tables from the page allocator. Each range is mapped
 * with the largest leaf the format allows where virtual and physical addresses are both aligned
 * (2 MiB or 1 GiB on x86_64, 4 MiB with PSE on i386), down to base pages at unaligned edges.
 *
 * <p>Boot builds it single-threaded; afterwards kernel services that change kernel mappings (vmalloc,
 * kmap) call {@link #mapPage}/{@link #clearPage}, which hold this object's monitor (the kernel's
 * {@code init_mm.page_table_lock}) while they walk and allocate tables; the callers flush TLBs
 * themselves, as the kernel does. A table {@link #mapPage} needs is allocated as the calling CPU, from
 * that CPU's per-CPU lists ({@code pte_alloc_kernel} runs on the CPU that maps), never as another CPU.
 *
 * <h2>Process roots</h2>
 * A process root gets the kernel half of this root ({@link #pgdCtor}, {@code pgd_ctor}'s
 * {@code clone_pgd_range}). How a kernel root entry made later reaches it is the arch's
 * {@link PgdSync} ({@link #configurePgds}): with {@link PgdSync#PREALLOCATE_KERNEL_TABLES} boot has made
 * every root entry of the vmalloc range ({@link #preallocateKernelTables}), so none is made later; with
 * {@link PgdSync#PGD_LIST} each process root is on {@code pgd_list} and a root entry made here is written
 * into every one of them under the same lock ({@code arch_sync_kernel_mappings}, arch/x86/mm/fault.c);
 * with {@link PgdSync#KERNEL_ROOT_WALK} the CPUs walk this root for kernel addresses, so nothing is copied
 * after the clone. The lock order is this object's monitor ({@code pgd_lock}), then nothing.
 */
public final class KernelPageTables {
    private final PhysicalMemory memory;
    private final PageTableWalker walker;
    private final PageTableFormat format;
    private TableAllocator tableAllocator;
    private final int pageShift;
    private final long root;
    private long tablePages;
    private final Map<Integer, Long> leavesByShift = new TreeMap<>();
    private final Map<KernelMapping.Kind, Map<Integer, Long>> leavesByKind = new EnumMap<>(KernelMapping.Kind.class);
    private final List<KernelMapping> mappings = new ArrayList<>();
    private PgdSync pgdSync = PgdSync.PREALLOCATE_KERNEL_TABLES;
    /** KERNEL_PGD_BOUNDARY: the first root slot shared with processes. */
    private int kernelPgdBoundary;
    /** pgd_list: the process roots a new kernel root entry is copied into ({@link PgdSync#PGD_LIST}). */
    private final List<Long> pgdList = new ArrayList<>();
    private long syncedEntries;
    private long preallocatedTables;

    /**
     * Where table pages come from: memblock during boot (x86's {@code alloc_low_pages}, ppc32's
     * {@code early_alloc_pgtable}: reserved, never managed by the page allocator), the page allocator
     * afterwards.
     */
    @FunctionalInterface
    public interface TableAllocator {
        /**
         * @param cpu the CPU that needs the table (the page allocator's per-CPU lists are that CPU's)
         * @return the physical address of a free page for a table, or -1 if there is none
         */
        long allocateTablePage(int cpu);
    }

    /**
     * Allocates the root table.
     *
     * @param memory         the machine's RAM
     * @param format         the page-table format
     * @param tableAllocator where table pages come from for now
     * @param pageShift      PAGE_SHIFT
     */
    public KernelPageTables(PhysicalMemory memory, PageTableFormat format, TableAllocator tableAllocator, int pageShift) {
        this.memory = memory;
        this.walker = new PageTableWalker(memory, format);
        this.format = format;
        this.tableAllocator = tableAllocator;
        this.pageShift = pageShift;
        // The root is made at boot, before any CPU runs: memblock does not care which CPU asks.
        this.root = allocateTable(0);
        if (root < 0) {
            throw new IllegalStateException("out of memory for the kernel's root page table at boot");
        }
    }

    /**
     * Switches table allocation to the page allocator once it is up.
     *
     * @param allocator the page allocator
     */
    public void usePageAllocator(PageAllocator allocator) {
        this.tableAllocator = cpu -> {
            long pfn = allocator.allocPages(cpu, Gfp.GFP_KERNEL, 0);
            return pfn == PageAllocator.NO_PFN ? -1 : pfn << pageShift;
        };
    }

    PageTableWalker walker() {
        return walker;
    }

    /** @return the root table's physical address (what CR3 holds for kernel threads) */
    public long root() {
        return root;
    }

    /** @return pages used by the kernel's page tables, the root included */
    public long tablePages() {
        return tablePages;
    }

    /** @return how many leaves of each size (log2 bytes) boot and later calls wrote */
    public Map<Integer, Long> leavesByShift() {
        return Map.copyOf(leavesByShift);
    }

    /**
     * @param kind a kind of boot mapping, e.g. {@link KernelMapping.Kind#DIRECT_MAP}
     * @return how many leaves of each size (log2 bytes) boot wrote for the mappings of that kind
     */
    public Map<Integer, Long> leaves(KernelMapping.Kind kind) {
        return Map.copyOf(leavesByKind.getOrDefault(kind, Map.of()));
    }

    /** @return the mappings boot installed, in order */
    public List<KernelMapping> mappings() {
        return List.copyOf(mappings);
    }

    /** @return a zeroed table page's physical address, allocated as {@code cpu}, or -1 when no page could be had */
    private long allocateTable(int cpu) {
        long phys = tableAllocator.allocateTablePage(cpu);
        if (phys < 0) {
            return -1;
        }
        memory.fill(phys, (byte) 0, 1L << pageShift);
        tablePages++;
        return phys;
    }

    /** Boot's tables: running out there is a machine too small to boot, not a kernel service's result. */
    private long bootTableFor(long vaddr, int level, int flags) {
        long table = tableFor(0, vaddr, level, flags, true);
        if (table < 0) {
            throw new IllegalStateException(String.format("kernel mapping at %#x: out of memory for page tables at boot", vaddr));
        }
        return table;
    }

    /**
     * Installs one mapping: leaves for [virt, virt+size) → [phys, ...), or only the tables for it.
     *
     * @param m the mapping
     */
    public void install(KernelMapping m) {
        mappings.add(m);
        long base = 1L << pageShift;
        if (m.phys() == KernelMapping.TABLES_ONLY) {
            for (long off = 0; Long.compareUnsigned(off, m.size()) < 0; off += base) {
                bootTableFor(m.virt() + off, format.levels() - 1, m.flags());
            }
            return;
        }
        long off = 0;
        while (Long.compareUnsigned(off, m.size()) < 0) {
            long v = m.virt() + off;
            long p = m.phys() + off;
            int level = leafLevel(v, p, m.size() - off, m.maxPageSize());
            long table = bootTableFor(v, level, m.flags());
            int shift = format.indexShift(level);
            walker.writeEntry(walker.entryAddress(table, level, v), format.encodeLeaf(p, level, m.flags() | PteFlags.PRESENT));
            leavesByShift.merge(shift, 1L, Long::sum);
            leavesByKind.computeIfAbsent(m.kind(), k -> new TreeMap<>()).merge(shift, 1L, Long::sum);
            off += 1L << shift;
        }
    }

    /** The highest level (largest page) whose leaf fits at v/p within the remaining size. */
    private int leafLevel(long v, long p, long remaining, long maxPageSize) {
        for (int level = 0; level < format.levels(); level++) {
            long size = 1L << format.indexShift(level);
            if (format.leafAllowed(level) && Long.compareUnsigned(size, maxPageSize) <= 0
                    && ((v | p) & (size - 1)) == 0 && Long.compareUnsigned(size, remaining) <= 0) {
                return level;
            }
        }
        throw new IllegalArgumentException(String.format("kernel mapping at %#x: no leaf fits (expected: base-page aligned)", v));
    }

    /**
     * @param cpu      the CPU that allocates missing tables (boot's tables come from memblock: any)
     * @param allocate whether to allocate missing tables on the way ({@code pte_alloc_kernel} and friends)
     * @return the table at {@code level} for {@code vaddr}, or -1 if a table is missing and could not be
     *         (or was not to be) allocated
     */
    private long tableFor(int cpu, long vaddr, int level, int flags, boolean allocate) {
        long table = root;
        for (int l = 0; l < level; l++) {
            long addr = walker.entryAddress(table, l, vaddr);
            long entry = walker.readEntry(addr);
            int decoded = format.decode(entry, l);
            if ((decoded & PteFlags.PRESENT) == 0) {
                long next = allocate ? allocateTable(cpu) : -1;
                if (next < 0) {
                    return -1;
                }
                long newEntry = format.encodeTable(next, l, PteFlags.PRESENT | PteFlags.WRITE | (flags & PteFlags.USER));
                walker.writeEntry(addr, newEntry);
                if (l == 0) {
                    syncRootEntry(addr - root, newEntry);
                }
                table = next;
            } else if ((decoded & PteFlags.HUGE) != 0) {
                throw new IllegalStateException(String.format("kernel mapping at %#x: a %s large page is in the way", vaddr,
                        format.levelName(l)));
            } else {
                table = format.address(entry, l);
            }
        }
        return table;
    }

    /**
     * Tells the tables how process roots follow kernel root entries. Boot calls it once, before any
     * process root exists.
     *
     * @param sync       the arch's model
     * @param kernelSpaceStart {@link org.kmemu.api.KernelLayout#kernelSpaceStart()}: root slots from its
     *                         index up are the kernel's (KERNEL_PGD_BOUNDARY)
     */
    public synchronized void configurePgds(PgdSync sync, long kernelSpaceStart) {
        if (!pgdList.isEmpty()) {
            throw new IllegalStateException("configurePgds: " + pgdList.size() + " process roots exist (expected: none, boot configures once)");
        }
        this.pgdSync = sync;
        this.kernelPgdBoundary = rootIndex(kernelSpaceStart);
    }

    /** @return pgd_index(vaddr) */
    private int rootIndex(long vaddr) {
        return (int) ((vaddr >>> format.indexShift(0)) & ((1L << format.indexBits(0)) - 1));
    }

    /** @return KERNEL_PGD_BOUNDARY: the first root slot that process roots copy from this one */
    public int kernelPgdBoundary() {
        return kernelPgdBoundary;
    }

    /**
     * Makes every table one level below the root for [start, end), so that the root's entries there never
     * change again: x86_64's {@code preallocate_vmalloc_pages} (arch/x86/mm/init_64.c, "so that they don't
     * need to be synchronized"), which mem_init runs once the page allocator is up. Entries that exist are
     * left alone (i386 PAE's kernel PMD, made with the direct map).
     *
     * @param cpu   the CPU whose per-CPU lists give the pages (boot's)
     * @param start first address, in the kernel half
     * @param end   end address (exclusive)
     * @return how many tables were made
     * @throws IllegalStateException when the page allocator has no page (a machine too small to boot)
     */
    public synchronized int preallocateKernelTables(int cpu, long start, long end) {
        if (format.levels() < 2) {
            return 0;
        }
        long step = 1L << format.indexShift(0);
        long before = tablePages;
        for (long a = start & -step; Long.compareUnsigned(a, end) < 0 && Long.compareUnsigned(a, start & -step) >= 0; a += step) {
            if (tableFor(cpu, a, 1, 0, true) < 0) {
                throw new IllegalStateException(String.format("preallocate_vmalloc_pages: out of memory at %#x", a));
            }
        }
        preallocatedTables += tablePages - before;
        return (int) (tablePages - before);
    }

    /** @return tables {@link #preallocateKernelTables} made (from the page allocator, not memblock) */
    public synchronized long preallocatedTablePages() {
        return preallocatedTables;
    }

    /**
     * {@code pgd_ctor}: copies this root's kernel half into a new process root and, with
     * {@link PgdSync#PGD_LIST}, puts the root on {@code pgd_list}, atomically with respect to
     * {@link #mapPage} (under {@code pgd_lock}), so that the new root never misses a kernel entry.
     *
     * @param pgd a zeroed root table's physical address
     */
    public synchronized void pgdCtor(long pgd) {
        int bytes = format.entryBytes();
        int ptrs = 1 << format.indexBits(0);
        memory.copy(pgd + (long) kernelPgdBoundary * bytes, root + (long) kernelPgdBoundary * bytes,
                (ptrs - kernelPgdBoundary) * bytes);
        if (pgdSync == PgdSync.PGD_LIST) {
            pgdList.add(pgd);
        }
    }

    /**
     * {@code pgd_dtor}: takes a process root off {@code pgd_list}.
     *
     * @param pgd a root given to {@link #pgdCtor}
     */
    public synchronized void pgdDtor(long pgd) {
        pgdList.remove(Long.valueOf(pgd));
    }

    /** @return how many process roots are on pgd_list */
    public synchronized int pgdListSize() {
        return pgdList.size();
    }

    /** @return how many root entries were copied into process roots since boot ({@code vmalloc_sync_one}s that wrote) */
    public synchronized long syncedRootEntries() {
        return syncedEntries;
    }

    /** A new root entry: into every process root on pgd_list, as vmalloc_sync_one's set_pmd (caller holds the lock). */
    private void syncRootEntry(long offset, long entry) {
        for (int i = 0; i < pgdList.size(); i++) {
            walker.writeEntry(pgdList.get(i) + offset, entry);
            syncedEntries++;
        }
    }

    /**
     * Maps one base page ({@code set_pte_at} on a kernel address); missing tables are allocated, as the
     * calling CPU. Running out of pages for a table is a result, as the kernel's {@code pte_alloc_kernel()} returning NULL
     * (and vmap_pages_range() -ENOMEM): nothing is mapped, tables made on the way stay (the kernel keeps
     * them too), and the caller does what its kernel counterpart does.
     *
     * @param cpu   the calling CPU: missing tables come from its per-CPU lists
     * @param vaddr a kernel virtual address, page aligned
     * @param phys  a physical page address
     * @param flags {@link PteFlags}
     * @return true if mapped, false if a page table could not be allocated
     */
    public synchronized boolean mapPage(Cpu cpu, long vaddr, long phys, int flags) {
        int last = format.levels() - 1;
        long table = tableFor(cpu.id(), vaddr, last, flags, true);
        if (table < 0) {
            return false;
        }
        walker.writeEntry(walker.entryAddress(table, last, vaddr), format.encodeLeaf(phys, last, flags | PteFlags.PRESENT));
        return true;
    }

    /**
     * Clears one base page's PTE ({@code pte_clear}); the caller flushes TLBs. Where no table exists
     * nothing is mapped, and nothing is allocated to clear it.
     *
     * @param vaddr a kernel virtual address mapped with base pages
     */
    public synchronized void clearPage(long vaddr) {
        int last = format.levels() - 1;
        long table = tableFor(0, vaddr, last, 0, false);
        if (table >= 0) {
            walker.writeEntry(walker.entryAddress(table, last, vaddr), 0);
        }
    }
}
