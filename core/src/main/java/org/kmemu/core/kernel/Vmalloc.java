package org.kmemu.core.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.KernelPageTables;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.mmu.WalkReport;
import org.kmemu.core.trace.Tracepoints;

/**
 * The vmalloc space: virtually contiguous kernel memory in [VMALLOC_START, VMALLOC_END), backed by
 * order-0 pages that need not be contiguous (or lowmem), mapped through the kernel page tables.
 * The rules are mm/vmalloc.c's (6.x); kmemu keeps one node ({@code NUMA_NO_NODE}, N0).
 *
 * <h2>Address space</h2>
 * Three sets of ranges partition the window, as {@code free_vmap_area_root}, {@code vmap_area_root}
 * (busy) and the lazy-purge list do:
 * <ul>
 *   <li><b>free</b>: ranges an allocation may take; neighbours are merged.</li>
 *   <li><b>busy</b>: allocated areas. Each has one unmapped guard page at its end
 *       ({@code __get_vm_area_node} adds PAGE_SIZE unless VM_NO_GUARD, which is not modelled).
 *       {@code alloc_vmap_area} takes the lowest-address free range that fits (first fit by
 *       address, what the augmented free tree computes).</li>
 *   <li><b>lazy</b>: areas vfree()d or vunmap()ped whose PTEs are cleared but whose TLB entries may
 *       still live on any CPU ({@code free_vmap_area_noflush}). Their addresses are not reusable
 *       until a purge ({@code __purge_vmap_area_lazy}) does one {@code flush_tlb_kernel_range} over
 *       [lowest start, highest end) of all of them and returns them to the free set. A purge runs
 *       when {@code vmap_lazy_nr} (pages, guard pages included) exceeds {@code lazy_max_pages()} =
 *       fls(num_online_cpus) * 32 MiB / PAGE_SIZE, and when an allocation finds no room (then it
 *       retries once). The kernel runs the threshold purge from a work item; kmemu runs it at once on
 *       the freeing CPU.</li>
 * </ul>
 * So a stale TLB entry for a vfree()d page keeps translating on a CPU that cached it until the
 * next purge, exactly as on Linux; nothing is mapped at that address again before the flush.
 *
 * <h2>Backing pages</h2>
 * {@code __vmalloc_area_node}: one order-0 page at a time with {@code gfp | __GFP_HIGHMEM} (unless
 * the caller asked for GFP_DMA or GFP_DMA32) and {@code __GFP_NOWARN}, so on i386 they usually come
 * from ZONE_HIGHMEM and need no kmap. {@code __GFP_ZERO} (vzalloc) clears each page in RAM. The
 * PTEs are PAGE_KERNEL: present, writable, global, accessed, dirty, not executable. When the page
 * array ({@code nr_pages} pointers) exceeds a page, the kernel vmallocs it too, with
 * {@code (gfp & GFP_RECLAIM_MASK) | __GFP_ZERO} and the same caller: kmemu makes that nested area
 * as well (the {@code vpages} flag), since it takes address space and pages; a smaller array is
 * kmalloc'ed in the kernel and not modelled.
 *
 * <h2>Failures</h2>
 * Running out returns 0 (NULL) and prints the kernel's {@code warn_alloc()} line (mm/page_alloc.c:
 * {@code "%s: %pV, mode:%#x(%pGg), nodemask=(null)"}, without the stack and show_mem that follow);
 * {@code __GFP_NOWARN} silences it. Misuse (vfree of an address that is no area) prints the kernel's
 * WARN text and changes nothing.
 *
 * <h2>Locks</h2>
 * {@code vmapAreaLock} ({@code vmap_area_lock}) guards the three sets and the counters;
 * {@code purgeLock} ({@code vmap_purge_lock}) serialises purges and is taken before it. Page-table
 * updates hold the {@link KernelPageTables} monitor (the role of {@code init_mm.page_table_lock});
 * page allocation, page-table updates, TLB flushes and printk happen with {@code vmapAreaLock}
 * released. Lock order: purgeLock, then vmapAreaLock or the page-table monitor, never both of the
 * latter. Every public method may be called from any thread acting as the CPU it passes.
 *
 * <p>ioremap areas ({@link #ioremapArea}, for {@link IoRemap}) are VM_IOREMAP areas of the same space that
 * map a physical range with the caller's cache bits and own no pages.
 *
 * <p>Not modelled: vm_map_ram's per-CPU vmap blocks, huge vmalloc mappings, VM_NO_GUARD,
 * might_sleep() checks and warn_alloc's rate limit.
 */
public final class Vmalloc {
    /** VM_IOREMAP (include/linux/vmalloc.h): an ioremap area. */
    public static final int VM_IOREMAP = 0x1;
    /** VM_ALLOC: a vmalloc area, whose pages vfree() frees. */
    public static final int VM_ALLOC = 0x2;
    /** VM_MAP: a vmap area over the caller's pages. */
    public static final int VM_MAP = 0x4;
    /** VM_USERMAP (include/linux/vmalloc.h, 0x8): vmalloc_user's area, which remap_vmalloc_range may map into a process. */
    public static final int VM_USERMAP = 0x8;
    /** VM_UNINITIALIZED: reserved, pages not yet allocated and mapped. */
    public static final int VM_UNINITIALIZED = 0x20;

    /** PAGE_KERNEL without _PAGE_NX: what vmalloc and vmap map with. */
    static final int PAGE_KERNEL = PteFlags.WRITE | PteFlags.GLOBAL | PteFlags.ACCESSED | PteFlags.DIRTY;

    /** mm/internal.h GFP_RECLAIM_MASK: the flags the nested page-array allocation keeps. */
    static final int GFP_RECLAIM_MASK = Gfp.__GFP_RECLAIM | Gfp.__GFP_IO | Gfp.__GFP_FS | Gfp.__GFP_NOWARN
            | Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_NOFAIL | Gfp.__GFP_NORETRY | Gfp.__GFP_MEMALLOC | Gfp.__GFP_NOMEMALLOC;

    private final PageFrames frames;
    private final PhysicalMemory memory;
    /** totalram_pages(): managed pages, fixed once boot has freed its memory. */
    private final long totalRamPages;
    private final Mmu mmu;
    private final KernelPageTables tables;
    private final PageAllocator pages;
    private final KernelLog log;
    private final long vmallocStart;
    private final long vmallocEnd;
    private final int pageShift;
    private final long pageSize;
    private final int pointerBytes;
    private final int physAddrBytes;
    private final long lazyMaxPages;

    /** The machine's tracepoints (include/trace/events/vmalloc.h's events fire here). */
    private final Tracepoints trace;

    private final Object vmapAreaLock = new Object();
    private final Object purgeLock = new Object();
    /** Free ranges, start to end. Guarded by vmapAreaLock. */
    private final TreeMap<Long, Long> free = new TreeMap<>(Long::compareUnsigned);
    /** Allocated areas by start. Guarded by vmapAreaLock. */
    private final TreeMap<Long, VmapArea> busy = new TreeMap<>(Long::compareUnsigned);
    /** Lazily freed areas by start. Guarded by vmapAreaLock. */
    private final TreeMap<Long, VmapArea> lazy = new TreeMap<>(Long::compareUnsigned);
    /** vmap_lazy_nr: pages (guard pages included) on the lazy list. Guarded by vmapAreaLock. */
    private long vmapLazyNr;
    /** nr_vmalloc_pages: pages backing vmalloc areas. Guarded by vmapAreaLock. */
    private long nrVmallocPages;
    /** Purges that flushed something. Guarded by purgeLock. */
    private long purges;

    /**
     * Starts with the whole window free, as {@code vmalloc_init()} does.
     *
     * @param arch          the architecture (PAGE_SHIFT, pointer width)
     * @param layout        the kernel's virtual layout (the vmalloc window)
     * @param mmu           the MMU: the kernel page tables vmalloc maps into and the TLBs it flushes
     * @param pages         the buddy allocator the backing pages come from
     * @param frames        the page frames (refcounts of the backing pages)
     * @param memory        RAM, which __GFP_ZERO clears
     * @param log           where warnings go
     * @param cpus          the number of CPUs (lazy_max_pages)
     * @param totalRamPages totalram_pages(), the largest request vmalloc accepts
     */
    public Vmalloc(ArchSpec arch, KernelLayout layout, Mmu mmu, PageAllocator pages, PageFrames frames,
            PhysicalMemory memory, KernelLog log, int cpus, long totalRamPages) {
        this.mmu = mmu;
        this.trace = mmu.tracepoints();
        this.tables = mmu.kernelTables();
        this.pages = pages;
        this.frames = frames;
        this.memory = memory;
        this.log = log;
        this.totalRamPages = totalRamPages;
        this.vmallocStart = layout.vmallocStart();
        this.vmallocEnd = layout.vmallocEnd();
        this.pageShift = arch.pageShift();
        this.pageSize = 1L << pageShift;
        this.pointerBytes = arch.virtAddressBits() > 32 ? 8 : 4;
        this.physAddrBytes = arch.physAddressBits() > 32 ? 8 : 4;
        // lazy_max_pages(): fls(num_online_cpus()) * (32 MiB / PAGE_SIZE).
        int fls = 32 - Integer.numberOfLeadingZeros(cpus);
        this.lazyMaxPages = fls * ((32L << 20) >>> pageShift);
        if (Long.compareUnsigned(vmallocStart, vmallocEnd) < 0) {
            free.put(vmallocStart, vmallocEnd);
        }
    }

    // ---- allocation -------------------------------------------------------------------------------

    /**
     * {@code vmalloc(size)}: {@code GFP_KERNEL} pages, not zeroed.
     *
     * @param cpu    the calling CPU
     * @param size   bytes, rounded up to whole pages
     * @param caller what /proc/vmallocinfo shows as the caller ({@code %pS}), or null
     * @return the area's address, or 0 (NULL)
     */
    public long vmalloc(Cpu cpu, long size, String caller) {
        return vmallocGfp(cpu, size, Gfp.GFP_KERNEL, caller);
    }

    /**
     * {@code vzalloc(size)}: vmalloc with {@code __GFP_ZERO}.
     *
     * @param cpu    the calling CPU
     * @param size   bytes, rounded up to whole pages
     * @param caller the caller for /proc/vmallocinfo, or null
     * @return the area's address, or 0 (NULL)
     */
    public long vzalloc(Cpu cpu, long size, String caller) {
        return vmallocGfp(cpu, size, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, caller);
    }

    /**
     * {@code __vmalloc(size, gfp)} ({@code __vmalloc_node_range} over the whole window, align 1 page,
     * PAGE_KERNEL): reserves the area, allocates and maps its pages.
     *
     * @param cpu    the calling CPU
     * @param size   bytes (C's unsigned long: a negative value is huge), rounded up to whole pages
     * @param gfp    {@link Gfp} flags for the pages
     * @param caller the caller for /proc/vmallocinfo, or null
     * @return the area's address, or 0 (NULL) after the kernel's warning
     */
    public long vmallocGfp(Cpu cpu, long size, int gfp, String caller) {
        return vmallocGfp(cpu, size, gfp, 0, caller);
    }

    /**
     * {@code vmalloc_user(size)} (mm/vmalloc.c): zeroed GFP_KERNEL pages in an area marked VM_USERMAP, the
     * only kind {@code remap_vmalloc_range} maps into a process (zeroed so no kernel data leaks to user space).
     *
     * @param cpu    the calling CPU
     * @param size   bytes, rounded up to whole pages
     * @param caller the caller for /proc/vmallocinfo, or null
     * @return the area's address, or 0 (NULL)
     */
    public long vmallocUser(Cpu cpu, long size, String caller) {
        return vmallocGfp(cpu, size, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, VM_USERMAP, caller);
    }

    private long vmallocGfp(Cpu cpu, long size, int gfp, int extraFlags, String caller) {
        if (Integer.bitCount(gfp & (Gfp.__GFP_DMA | Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM)) > 1) {
            // The pages are allocated with these flags: gfp_zone()'s VM_BUG_ON (include/linux/gfp.h).
            List<String> report = KernelOopsException.bugLines("include/linux/gfp.h", "gfp_zone",
                    "VM_BUG_ON((GFP_ZONE_BAD >> bit) & 1): __vmalloc(" + Gfp.format(gfp) + ") names more than one zone");
            throw KernelOopsException.report(log, report);
        }
        long realSize = size;
        long aligned = (size + pageSize - 1) & -pageSize;
        if (aligned == 0 || Long.compareUnsigned(aligned >>> pageShift, totalRamPages) > 0) {
            warnAlloc(cpu, gfp, "vmalloc error: size " + Long.toUnsignedString(realSize) + ", exceeds total pages");
            return 0;
        }
        long start = allocVmapArea(cpu, aligned + pageSize, gfp, VM_ALLOC | VM_UNINITIALIZED, caller);
        if (start == 0) {
            warnAlloc(cpu, gfp, "vmalloc error: size " + Long.toUnsignedString(realSize) + ", vm_struct allocation failed");
            return 0;
        }
        int nr = Math.toIntExact(aligned >>> pageShift);
        VmapArea reserved = busyArea(start);
        // __vmalloc_area_node: a page array larger than a page is itself vmalloc'ed.
        long arrayBytes = (long) nr * pointerBytes;
        long pagesArray = 0;
        if (arrayBytes > pageSize) {
            pagesArray = vmallocGfp(cpu, arrayBytes, (gfp & GFP_RECLAIM_MASK) | Gfp.__GFP_ZERO, caller);
            if (pagesArray == 0) {
                warnAlloc(cpu, gfp, "vmalloc error: size " + ((long) nr << pageShift) + ", failed to allocated page array size " + arrayBytes);
                releaseArea(cpu, reserved);
                return 0;
            }
        }
        int pageGfp = (gfp & (Gfp.GFP_DMA | Gfp.GFP_DMA32)) == 0 ? gfp | Gfp.__GFP_HIGHMEM : gfp;
        long[] pfns = new long[nr];
        for (int i = 0; i < nr; i++) {
            long pfn = pages.allocPages(cpu.id(), pageGfp | Gfp.__GFP_NOWARN, 0);
            if (pfn == PageAllocator.NO_PFN) {
                warnAlloc(cpu, pageGfp, "vmalloc error: size " + ((long) i << pageShift) + ", page order 0, failed to allocate pages");
                freePages(cpu, pfns, i);
                releaseArea(cpu, reserved);
                vfree(cpu, pagesArray);
                return 0;
            }
            pfns[i] = pfn;
            frames.setRefcount(pfn, 1); // set_page_refcounted(), as alloc_pages does
            if ((gfp & Gfp.__GFP_ZERO) != 0) {
                memory.fill(pfn << pageShift, (byte) 0, pageSize);
            }
        }
        int mapped = mapPages(cpu, start, pfns, nr);
        if (mapped < nr) {
            warnAlloc(cpu, pageGfp, "vmalloc error: size " + ((long) nr << pageShift) + ", failed to map pages");
            unmapPages(start, mapped);
            freePages(cpu, pfns, nr);
            releaseArea(cpu, reserved);
            vfree(cpu, pagesArray);
            return 0;
        }
        VmapArea done = new VmapArea(start, reserved.vaEnd(), VM_ALLOC | extraFlags, caller, pfns, pagesArray);
        synchronized (vmapAreaLock) {
            busy.replace(start, reserved, done);
            nrVmallocPages += nr;
        }
        return start;
    }

    /**
     * {@code vmap(pages, count, VM_MAP, PAGE_KERNEL)}: maps the caller's pages, in order, into a new
     * area. The pages stay the caller's: vunmap() does not free them.
     *
     * @param cpu    the calling CPU
     * @param pfns   the pages (the kernel's {@code struct page *} array)
     * @param count  how many of them to map
     * @param caller the caller for /proc/vmallocinfo, or null
     * @return the area's address, or 0 (NULL) when count is 0, exceeds totalram, a pfn is not
     *         {@code pfn_valid} (after the kernel's WARN), no room is left or no page table could be had
     * @throws IllegalArgumentException if count exceeds the array (a Java caller's error C cannot make)
     */
    public long vmap(Cpu cpu, long[] pfns, int count, String caller) {
        if (count > pfns.length) {
            throw new IllegalArgumentException("vmap: count " + count + " (expected: at most the " + pfns.length + " pages given)");
        }
        for (int i = 0; i < count; i++) {
            if (!frames.pfnValid(pfns[i])) {
                // vmap_pages_pte_range(): WARN_ON(!pfn_valid(page_to_pfn(page))) and -EINVAL, so NULL.
                KernelWarning.warnOn(log, cpu, "mm/vmalloc.c vmap_pages_pte_range",
                        String.format("vmap: pfn %#x is not valid (WARN_ON(!pfn_valid(page_to_pfn(page))))", pfns[i]));
                return 0;
            }
        }
        if (count <= 0 || count > totalRamPages) {
            return 0;
        }
        long start = allocVmapArea(cpu, ((long) count << pageShift) + pageSize, Gfp.GFP_KERNEL, VM_MAP | VM_UNINITIALIZED, caller);
        if (start == 0) {
            return 0;
        }
        VmapArea reserved = busyArea(start);
        int mapped = mapPages(cpu, start, pfns, count);
        if (mapped < count) {
            unmapPages(start, mapped);
            releaseArea(cpu, reserved);
            return 0;
        }
        VmapArea done = new VmapArea(start, reserved.vaEnd(), VM_MAP, caller, new long[0], 0);
        synchronized (vmapAreaLock) {
            busy.replace(start, reserved, done);
        }
        return start;
    }

    /**
     * The address-space half of ioremap: {@code get_vm_area_caller(size, VM_IOREMAP, caller)}, then
     * {@code area->phys_addr = phys} and {@code ioremap_page_range()} (mm/ioremap.c generic_ioremap_prot,
     * arch/x86/mm/ioremap.c __ioremap_caller). The range's checks and rounding are the caller's.
     *
     * @param cpu      the calling CPU
     * @param size     bytes to map, a whole number of pages (the guard page is added here)
     * @param phys     the page-aligned physical address to map
     * @param pteFlags the PTE flags of every page (PAGE_KERNEL_IO with the cache bits)
     * @param caller   the caller for /proc/vmallocinfo, or null
     * @return the area's address, or 0 (NULL) when no room or no page table could be had
     */
    long ioremapArea(Cpu cpu, long size, long phys, int pteFlags, String caller) {
        long start = allocVmapArea(cpu, size + pageSize, Gfp.GFP_KERNEL, VM_IOREMAP | VM_UNINITIALIZED, caller);
        if (start == 0) {
            return 0;
        }
        VmapArea reserved = busyArea(start);
        int count = (int) (size >>> pageShift);
        int mapped = 0;
        synchronized (tables) {
            while (mapped < count && tables.mapPage(cpu, start + ((long) mapped << pageShift), phys + ((long) mapped << pageShift), pteFlags)) {
                mapped++;
            }
        }
        if (mapped < count) {
            unmapPages(start, mapped);
            releaseArea(cpu, reserved);
            return 0;
        }
        VmapArea done = new VmapArea(start, reserved.vaEnd(), VM_IOREMAP, caller, new long[0], 0, phys);
        synchronized (vmapAreaLock) {
            busy.replace(start, reserved, done);
        }
        return start;
    }

    // ---- freeing ----------------------------------------------------------------------------------

    /**
     * {@code vfree(addr)}: unmaps the area containing {@code addr} without flushing any TLB, puts its
     * range on the lazy-purge list (purging if that passes lazy_max_pages()), then frees its pages
     * (none for a vmap area). NULL is a no-op; an address that is no area gets the kernel's WARN.
     *
     * @param cpu  the calling CPU
     * @param addr an address vmalloc() returned, or 0
     */
    public void vfree(Cpu cpu, long addr) {
        if (addr == 0) {
            return;
        }
        VmapArea va = removeVmArea(cpu, addr);
        if (va == null) {
            warn(cpu, "Trying to vfree() nonexistent vm area (" + ptr(addr) + ")");
            return;
        }
        freePages(cpu, va.pages(), va.nrPages());
        if (va.nrPages() > 0) {
            synchronized (vmapAreaLock) {
                nrVmallocPages -= va.nrPages();
            }
        }
        if (va.pagesArray() != 0) {
            vfree(cpu, va.pagesArray());
        }
    }

    /**
     * {@code vunmap(addr)}: removes a vmap() mapping; the pages are not freed.
     *
     * @param cpu  the calling CPU
     * @param addr an address vmap() returned, or 0
     */
    public void vunmap(Cpu cpu, long addr) {
        if (addr == 0) {
            return;
        }
        if (removeVmArea(cpu, addr) == null) {
            warn(cpu, "Trying to vunmap() nonexistent vm area (" + ptr(addr) + ")");
        }
    }

    /**
     * {@code remove_vm_area()}: finds and unlinks the busy area containing {@code addr}, clears its
     * PTEs and frees its range lazily.
     *
     * @return the area, or null (after the unaligned-address WARN if that was the reason)
     */
    VmapArea removeVmArea(Cpu cpu, long addr) {
        if ((addr & (pageSize - 1)) != 0) {
            // remove_vm_area() words it for vfree() whoever calls it.
            warn(cpu, "Trying to vfree() bad address (" + ptr(addr) + ")");
            return null;
        }
        VmapArea va;
        synchronized (vmapAreaLock) {
            // find_unlink_vmap_area(): the area whose [va_start, va_end) contains addr.
            Map.Entry<Long, VmapArea> e = busy.floorEntry(addr);
            if (e == null || !e.getValue().contains(addr)) {
                return null;
            }
            va = e.getValue();
            busy.remove(va.vaStart());
        }
        unmapPages(va.vaStart(), (int) (va.usableSize(pageSize) >>> pageShift));
        freeVmapAreaNoflush(cpu, va);
        return va;
    }

    /** Frees a reserved area that was never (or is no longer) mapped, the way __vfree() would. */
    private void releaseArea(Cpu cpu, VmapArea reserved) {
        synchronized (vmapAreaLock) {
            busy.remove(reserved.vaStart(), reserved);
        }
        freeVmapAreaNoflush(cpu, reserved);
    }

    /** {@code free_vmap_area_noflush()}: onto the lazy list; purge once vmap_lazy_nr passes the limit. */
    private void freeVmapAreaNoflush(Cpu cpu, VmapArea va) {
        boolean purge;
        long nrLazy;
        synchronized (vmapAreaLock) {
            lazy.put(va.vaStart(), va);
            vmapLazyNr += va.size() >>> pageShift;
            nrLazy = vmapLazyNr;
            purge = vmapLazyNr > lazyMaxPages;
        }
        if (trace.active()) {
            trace.freeVmapAreaNoflush(cpu.id(), cpu.clockNanos(), cpu.traceComm(), cpu.tracePid(), va.vaStart(), nrLazy,
                    lazyMaxPages);
        }
        if (purge) {
            purgeVmapAreaLazy(cpu);
        }
    }

    /**
     * {@code purge_vmap_area_lazy()} (what {@code vm_unmap_aliases()} and the drain work call): one
     * {@code flush_tlb_kernel_range()} over [lowest start, highest end) of every lazily freed area,
     * then their ranges become free again.
     *
     * @param cpu the calling CPU; the other CPUs get the flush as a shootdown
     * @return whether anything was purged
     */
    public boolean purgeVmapAreaLazy(Cpu cpu) {
        synchronized (purgeLock) {
            List<VmapArea> purged;
            synchronized (vmapAreaLock) {
                if (lazy.isEmpty()) {
                    return false;
                }
                purged = new ArrayList<>(lazy.values());
                lazy.clear();
                vmapLazyNr = 0;
            }
            long start = purged.get(0).vaStart();
            long end = start;
            for (VmapArea va : purged) {
                if (Long.compareUnsigned(va.vaEnd(), end) > 0) {
                    end = va.vaEnd();
                }
            }
            mmu.flushTlbKernelRange(cpu, start, end);
            synchronized (vmapAreaLock) {
                for (VmapArea va : purged) {
                    insertFreeLocked(va.vaStart(), va.vaEnd());
                }
            }
            if (trace.active()) {
                trace.purgeVmapAreaLazy(cpu.id(), cpu.clockNanos(), cpu.traceComm(), cpu.tracePid(), start, end,
                        purged.size());
            }
            purges++;
            return true;
        }
    }

    // ---- the address space ------------------------------------------------------------------------

    /**
     * {@code alloc_vmap_area()}: the lowest free range that fits, else purge and retry once, else the
     * kernel's warning.
     *
     * @return the start of the reserved area (now busy, flagged VM_UNINITIALIZED), or 0
     */
    private long allocVmapArea(Cpu cpu, long size, int gfp, int flags, String caller) {
        for (int attempt = 0; attempt < 2; attempt++) {
            long start;
            synchronized (vmapAreaLock) {
                start = takeFreeLocked(size);
                if (start != 0) {
                    busy.put(start, new VmapArea(start, start + size, flags, caller, new long[0], 0));
                }
            }
            if (trace.active()) {
                // trace_alloc_vmap_area after each __alloc_vmap_area (mm/vmalloc.c), the failed first attempt
                // too; vmalloc and vmap ask align 1 (__vmalloc_node, get_vm_area_caller). A failure's va_start
                // prints 0 here (the kernel's is an error value).
                trace.allocVmapArea(cpu.id(), cpu.clockNanos(), cpu.traceComm(), cpu.tracePid(), start, size, 1,
                        vmallocStart, vmallocEnd, start == 0);
            }
            if (start != 0) {
                return start;
            }
            if (attempt == 0) {
                purgeVmapAreaLazy(cpu);
            }
        }
        if ((gfp & Gfp.__GFP_NOWARN) == 0) {
            log.printk(cpu.id(), LogLevel.WARNING, "vmap allocation for size " + size + " failed: use vmalloc=<size> to increase size");
        }
        return 0;
    }

    /** First fit by address over the free ranges. @return the start taken, or 0 */
    private long takeFreeLocked(long size) {
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            long start = e.getKey();
            long end = e.getValue();
            if (Long.compareUnsigned(end - start, size) >= 0) {
                free.remove(start);
                if (end - start != size) {
                    free.put(start + size, end);
                }
                return start;
            }
        }
        return 0;
    }

    /** Returns [start, end) to the free ranges, merging it with the ranges it touches. */
    private void insertFreeLocked(long start, long end) {
        Map.Entry<Long, Long> below = free.floorEntry(start);
        assert below == null || Long.compareUnsigned(below.getValue(), start) <= 0 : "double free of vmap range";
        if (below != null && below.getValue() == start) {
            free.remove(below.getKey());
            start = below.getKey();
        }
        Long aboveEnd = free.remove(end);
        if (aboveEnd != null) {
            end = aboveEnd;
        }
        free.put(start, end);
    }

    private VmapArea busyArea(long start) {
        synchronized (vmapAreaLock) {
            return busy.get(start);
        }
    }

    // ---- page tables and pages --------------------------------------------------------------------

    /**
     * {@code vmap_pages_range()}: missing page tables are allocated as the calling CPU.
     *
     * @return how many pages were mapped before a page table could not be
     * allocated (the kernel's -ENOMEM)
     */
    private int mapPages(Cpu cpu, long start, long[] pfns, int count) {
        synchronized (tables) {
            for (int i = 0; i < count; i++) {
                if (!tables.mapPage(cpu, start + ((long) i << pageShift), pfns[i] << pageShift, PAGE_KERNEL)) {
                    return i;
                }
            }
        }
        return count;
    }

    /** {@code vunmap_range_noflush()}: clears the PTEs, leaves the TLBs alone. */
    private void unmapPages(long start, int count) {
        synchronized (tables) {
            for (int i = 0; i < count; i++) {
                tables.clearPage(start + ((long) i << pageShift));
            }
        }
    }

    private void freePages(Cpu cpu, long[] pfns, int count) {
        for (int i = 0; i < count; i++) {
            // __free_page(): put_page_testzero. vmalloc's is the only reference unless remap_vmalloc_range
            // mapped the page into a process (vm_insert_page took one): then the last munmap frees it.
            if (frames.refAdd(pfns[i], -1) == 0) {
                frames.resetForFree(pfns[i], 0);
                pages.freePages(cpu.id(), pfns[i], 0);
            }
        }
    }

    // ---- lookups ----------------------------------------------------------------------------------

    /**
     * {@code vmalloc_to_page()} / {@code vmalloc_to_pfn()}: walks the kernel page tables.
     *
     * @param addr a vmalloc address
     * @return the pfn mapped there, or -1 (NULL) when nothing is
     */
    public long vmallocToPage(long addr) {
        WalkReport w = mmu.walk(tables.root(), addr);
        return w.mapped() ? w.physical() >>> pageShift : -1;
    }

    /**
     * @param addr an address
     * @return {@code is_vmalloc_addr()}: VMALLOC_START &lt;= addr &lt; VMALLOC_END
     */
    public boolean isVmallocAddr(long addr) {
        return Long.compareUnsigned(addr, vmallocStart) >= 0 && Long.compareUnsigned(addr, vmallocEnd) < 0;
    }

    /**
     * {@code find_vm_area()}.
     *
     * @param addr an address inside an area (its guard page included)
     * @return the busy area containing it, or null
     */
    public VmapArea findVmArea(long addr) {
        synchronized (vmapAreaLock) {
            Map.Entry<Long, VmapArea> e = busy.floorEntry(addr);
            return e != null && e.getValue().contains(addr) ? e.getValue() : null;
        }
    }

    /** @return a snapshot of the busy areas, by address */
    public List<VmapArea> busyAreas() {
        synchronized (vmapAreaLock) {
            return List.copyOf(busy.values());
        }
    }

    /** @return a snapshot of the lazily freed, not yet purged areas, by address */
    public List<VmapArea> purgeAreas() {
        synchronized (vmapAreaLock) {
            return List.copyOf(lazy.values());
        }
    }

    /** @return a snapshot of the free ranges as {start, end} pairs, by address */
    public List<long[]> freeRanges() {
        synchronized (vmapAreaLock) {
            List<long[]> out = new ArrayList<>(free.size());
            for (Map.Entry<Long, Long> e : free.entrySet()) {
                out.add(new long[] {e.getKey(), e.getValue()});
            }
            return out;
        }
    }

    /** @return {@code vmap_lazy_nr}: pages waiting for a purge, guard pages included */
    public long vmapLazyNr() {
        synchronized (vmapAreaLock) {
            return vmapLazyNr;
        }
    }

    /** @return {@code lazy_max_pages()} on this machine */
    public long lazyMaxPages() {
        return lazyMaxPages;
    }

    /** @return {@code vmalloc_nr_pages()}: pages backing vmalloc areas (meminfo's VmallocUsed) */
    public long nrVmallocPages() {
        synchronized (vmapAreaLock) {
            return nrVmallocPages;
        }
    }

    /** @return how many purges flushed TLBs so far */
    public long purges() {
        synchronized (purgeLock) {
            return purges;
        }
    }

    /** @return VMALLOC_START */
    public long vmallocStart() {
        return vmallocStart;
    }

    /** @return VMALLOC_END (exclusive) */
    public long vmallocEnd() {
        return vmallocEnd;
    }

    /** @return {@code sizeof(void *)} on this machine: how wide {@code %p} prints (2 hex digits a byte) */
    public int pointerBytes() {
        return pointerBytes;
    }

    /** @return {@code sizeof(phys_addr_t)}: how wide {@code %pa} prints (2 hex digits a byte) */
    public int physAddrBytes() {
        return physAddrBytes;
    }

    /** @return PAGE_SIZE */
    public long pageSize() {
        return pageSize;
    }

    // ---- reports ----------------------------------------------------------------------------------

    /** {@code warn_alloc(gfp, NULL, fmt, ...)}'s first line; silent with __GFP_NOWARN. */
    private void warnAlloc(Cpu cpu, int gfp, String what) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        log.printk(cpu.id(), LogLevel.WARNING, String.format("%s: %s, mode:%#x(%s), nodemask=(null)", cpu.current().comm(),
                what, gfp, Gfp.format(gfp)));
    }

    /** {@code WARN(1, KERN_ERR fmt)}: the cut-here marker, then the message. */
    private void warn(Cpu cpu, String message) {
        log.printk(cpu.id(), LogLevel.WARNING, "------------[ cut here ]------------");
        log.printk(cpu.id(), LogLevel.ERR, message);
    }

    /** {@code %p} with kmemu's unhashed pointers: the address zero-padded to the pointer width. */
    private String ptr(long addr) {
        return String.format("%0" + (pointerBytes * 2) + "x", pointerBytes == 8 ? addr : addr & 0xffffffffL);
    }
}
