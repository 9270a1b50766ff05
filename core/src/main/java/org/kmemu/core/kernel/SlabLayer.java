package org.kmemu.core.kernel;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigView;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelMemory;
import org.kmemu.api.KmallocSizes;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.LogLevel;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.SlabInfo;
import org.kmemu.api.SlabPages;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.HandleTable;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.Tracepoints;

/**
 * The slab layer the core owns, as mm/slab_common.c: kmalloc's front end and caches, large kmalloc
 * straight from the page allocator, {@code kzalloc}/{@code kcalloc}/{@code krealloc}/{@code ksize}/
 * {@code kfree}, and the {@code kmem_cache_*} front end. Which kmalloc size classes exist and how a
 * cache lays objects into slabs are the {@link ObjectAllocatorPolicy} plugin's business
 * ({@link KmallocSizes}, {@link SlabAllocator}).
 *
 * <h2>kmalloc</h2>
 * The policy's table says which caches exist: SLUB's kmalloc-8 ... kmalloc-8k (KMALLOC_SHIFT_HIGH =
 * PAGE_SHIFT + 1, so the cache array grows with the page size), SLAB's size-32 ... size-4194304 of 3.x,
 * or none at all for SLOB, whose own {@link SlabAllocator#kmalloc} then serves the small requests. A
 * request goes to the smallest class that holds it; GFP_DMA requests go to the DMA caches when the
 * architecture has ZONE_DMA. Sizes above the largest class, up to KMALLOC_MAX_SIZE, are compound pages
 * marked PG_large_kmalloc (kmalloc_large). kmalloc(0) is ZERO_SIZE_PTR (16); kfree of NULL or
 * ZERO_SIZE_PTR does nothing.
 *
 * <h2>Finding an object's cache</h2>
 * Slab pages are marked PG_slab when the policy takes them ({@link SlabPages}); kfree and ksize ask the
 * policy which of its caches holds the object (SLOB shares pages between caches, so the core does not
 * store a cache per page).
 *
 * <p>Thread-safe as the policy and the page allocator are; each call runs on the calling CPU.
 */
public final class SlabLayer {
    /** ZERO_SIZE_PTR: what kmalloc(0) returns (include/linux/slab.h). */
    public static final long ZERO_SIZE_PTR = 16;

    private final ArchSpec arch;
    private final KernelLayout layout;
    private final Mmu mmu;
    private final PageFrames frames;
    private final KernelLog log;
    private final int maxPageOrder;
    private final PageApi pages;
    private final SlabAllocator slab;
    private final KernelMemory memory;
    private final AddressTranslation addr;
    private final Tracepoints trace;
    private final long slabAllocNanos;
    private final long slabFreeNanos;
    private final int shift;
    private final boolean procSlabinfo;
    private final KmallocSizes sizes;
    private final long kmallocMaxCacheSize;
    private final long kmallocMaxSize;
    private final int kmallocHeader;
    /** One cache per class of the policy's table, as kmalloc_caches[]; empty for a policy without classes. */
    private final SlabCache[] kmalloc;
    /** The GFP_DMA caches, or null entries without ZONE_DMA. */
    private final SlabCache[] dmaKmalloc;
    private final List<SlabCache> caches = new ArrayList<>();

    /**
     * Creates the slab allocator and the kmalloc caches, as {@code kmem_cache_init} and
     * {@code create_kmalloc_caches} do at boot.
     *
     * @param arch         the architecture (PAGE_SHIFT, cache line, KMALLOC_MIN_SIZE, pointer width)
     * @param layout       the kernel's virtual layout (slabs live in the direct map)
     * @param mmu          the MMU: the CPUs and their per-CPU ownership the policy checks
     * @param frames       the page frames (PG_slab, the slab owner in each page's word, compound orders)
     * @param directMap    RAM as the kernel sees it through the direct map, where the policy keeps its free lists
     * @param pages        the page-granular API (slabs and large kmallocs come from it)
     * @param addr         the address conversions (virt_to_page of a freed object)
     * @param maxPageOrder MAX_PAGE_ORDER of the buddy allocator
     * @param cpus         the number of CPUs
     * @param zoneDma      whether the machine has ZONE_DMA (and so the kmalloc DMA caches)
     * @param log          where warnings and reports go
     * @param trace        where kmalloc/kfree events go
     * @param clock        the modelled costs of a slab allocation and free, charged to the calling CPU
     * @param policy       the object-allocator policy
     * @param config       the policy's config subtree
     */
    public SlabLayer(ArchSpec arch, KernelLayout layout, Mmu mmu, PageFrames frames, KernelMemory directMap,
            PageApi pages, AddressTranslation addr, int maxPageOrder, int cpus, boolean zoneDma, KernelLog log,
            Tracepoints trace, MachineConfig.ClockSpec clock, ObjectAllocatorPolicy policy, ConfigView config) {
        this.arch = arch;
        this.layout = layout;
        this.mmu = mmu;
        this.frames = frames;
        this.log = log;
        this.maxPageOrder = maxPageOrder;
        this.pages = pages;
        this.trace = trace;
        this.slabAllocNanos = clock.slabAllocNanos();
        this.slabFreeNanos = clock.slabFreeNanos();
        this.shift = arch.pageShift();
        this.memory = directMap;
        this.addr = addr;
        Context context = new Context(config, arch, cpus, maxPageOrder, log, mmu.owners(), this.memory, new Pages());
        this.slab = policy.create(context);
        this.procSlabinfo = policy.procSlabinfo();
        this.sizes = policy.kmallocSizes(context);
        if (sizes == null) {
            throw new IllegalStateException("kmallocSizes: null from object-allocator policy " + policy.id()
                    + " (expected: a KmallocSizes table)");
        }
        this.kmallocMaxCacheSize = sizes.maxCacheSize();
        this.kmallocMaxSize = sizes.maxSize();
        this.kmallocHeader = sizes.header();
        this.kmalloc = new SlabCache[sizes.classes()];
        this.dmaKmalloc = new SlabCache[sizes.classes()];
        // create_kmalloc_caches (mm/slab_common.c) / kmem_cache_init (3.x mm/slab.c): every class at boot.
        for (int i = 0; i < kmalloc.length; i++) {
            kmalloc[i] = register(slab.createCache(sizes.name(i), sizes.size(i), 0, SlabFlags.SLAB_KMALLOC, null));
            if (zoneDma) {
                dmaKmalloc[i] = register(slab.createCache(sizes.dmaName(i), sizes.size(i), 0,
                        SlabFlags.SLAB_KMALLOC | SlabFlags.SLAB_CACHE_DMA, null));
            }
        }
    }

    private SlabCache register(SlabCache c) {
        synchronized (caches) {
            caches.add(c);
        }
        return c;
    }

    /** @return the policy's kmalloc table */
    public KmallocSizes kmallocSizes() {
        return sizes;
    }

    /** @return whether this kernel has /proc/slabinfo (not with SLOB) */
    public boolean procSlabinfo() {
        return procSlabinfo;
    }

    /**
     * @param size 1 to KMALLOC_MAX_CACHE_SIZE
     * @param gfp  flags; __GFP_DMA picks the DMA cache where there is one
     * @return the kmalloc cache a request of {@code size} bytes uses, or null if the policy has no classes
     */
    SlabCache kmallocCache(long size, int gfp) {
        int index = sizes.classOf(size);
        if (index < 0) {
            return null;
        }
        return (gfp & Gfp.__GFP_DMA) != 0 && dmaKmalloc[index] != null ? dmaKmalloc[index] : kmalloc[index];
    }

    // ---- kmalloc family -----------------------------------------------------------------------

    /**
     * {@code kmalloc(size, gfp)}.
     *
     * @param cpu      the calling CPU
     * @param size     bytes wanted
     * @param gfp      allocation flags
     * @param callSite the caller, as the trace prints it
     * @return the object's kernel address, ZERO_SIZE_PTR for 0 bytes, or 0 (NULL)
     */
    public long kmalloc(Cpu cpu, long size, int gfp, String callSite) {
        if (size == 0) {
            return ZERO_SIZE_PTR;
        }
        if (size < 0 || size > kmallocMaxCacheSize) {
            return kmallocLarge(cpu, size, gfp, callSite);
        }
        if (kmalloc.length == 0) {
            return kmallocUncached(cpu, (int) size, gfp, callSite);
        }
        SlabCache c = kmallocCache(size, gfp);
        long p = slab.alloc(cpu.id(), c, gfp & ~Gfp.__GFP_ZERO);
        if (p != 0 && (gfp & Gfp.__GFP_ZERO) != 0) {
            memory.fill(p, (byte) 0, c.objectSize());
        }
        // The event carries the slot size even when the allocation failed: mm/slub.c __do_kmalloc_node
        // (6.x) and mm/slab.c __do_kmalloc (3.x) call trace_kmalloc(caller, ret, size, s->size, ...) whatever ret is.
        allocDone(cpu, "kmalloc", callSite, p, size, c.slotSize(), gfp);
        return p;
    }

    /** kmalloc of a policy without size classes: the request plus the policy's header (SLOB). */
    private long kmallocUncached(Cpu cpu, int size, int gfp, String callSite) {
        long p = slab.kmalloc(cpu.id(), size, gfp & ~Gfp.__GFP_ZERO);
        if (p != 0 && (gfp & Gfp.__GFP_ZERO) != 0) {
            memory.fill(p, (byte) 0, size);
        }
        // mm/slob.c __do_kmalloc_node: trace_kmalloc(caller, ret, size, size + minalign, gfp, node).
        allocDone(cpu, "kmalloc", callSite, p, size, size + kmallocHeader, gfp);
        return p;
    }

    /** kmalloc_large(): compound pages for sizes above KMALLOC_MAX_CACHE_SIZE. */
    private long kmallocLarge(Cpu cpu, long size, int gfp, String callSite) {
        if (size < 0 || size > kmallocMaxSize) {
            if ((gfp & Gfp.__GFP_NOWARN) == 0) {
                log.printk(cpu.id(), LogLevel.WARNING, String.format("WARNING: CPU: %d PID: %d at mm/page_alloc.c __alloc_pages: kmalloc(%d):"
                        + " larger than KMALLOC_MAX_SIZE %d", cpu.id(), cpu.current().pid(), size, kmallocMaxSize));
            }
            // mm/slub.c __kmalloc_large_noprof (6.x) traces every call, a failed one with ret NULL and
            // PAGE_SIZE << get_order(size) as bytes_alloc (0 here for a size_t that Java sees negative).
            allocDone(cpu, "kmalloc", callSite, 0, size, size < 0 ? 0 : largeBytes(size), gfp);
            return 0;
        }
        int order = getOrder(size);
        long pfn = pages.allocPages(cpu, (gfp & ~Gfp.__GFP_HIGHMEM) | Gfp.__GFP_COMP, order);
        if (pfn == PageAllocator.NO_PFN) {
            allocDone(cpu, "kmalloc", callSite, 0, size, 1L << (shift + order), gfp);
            return 0;
        }
        frames.setFlags(pfn, pfn + 1, PageFlags.PG_LARGE_KMALLOC, true);
        frames.setOrder(pfn, order);
        long p = pages.pageAddress(pfn);
        allocDone(cpu, "kmalloc", callSite, p, size, 1L << (shift + order), gfp);
        return p;
    }

    /** @return PAGE_SIZE << get_order(size) for a size too large for any block, saturating at 2^62 */
    private long largeBytes(long size) {
        long bytes = 1L << shift;
        while (bytes < size && bytes < (1L << 62)) {
            bytes <<= 1;
        }
        return bytes;
    }

    /** @return get_order(size): the smallest order whose block holds {@code size} bytes */
    int getOrder(long size) {
        int order = 0;
        while ((1L << (shift + order)) < size) {
            order++;
        }
        return order;
    }

    /**
     * {@code kzalloc(size, gfp)}.
     *
     * @param cpu      the calling CPU
     * @param size     bytes
     * @param gfp      flags
     * @param callSite the caller
     * @return zeroed memory, or 0
     */
    public long kzalloc(Cpu cpu, long size, int gfp, String callSite) {
        return kmalloc(cpu, size, gfp | Gfp.__GFP_ZERO, callSite);
    }

    /**
     * {@code kcalloc(n, size, gfp)}: NULL when n * size overflows (check_mul_overflow).
     *
     * @param cpu      the calling CPU
     * @param n        element count
     * @param size     element size
     * @param gfp      flags
     * @param callSite the caller
     * @return zeroed memory, or 0
     */
    public long kcalloc(Cpu cpu, long n, long size, int gfp, String callSite) {
        long bytes;
        try {
            bytes = Math.multiplyExact(n, size);
        } catch (ArithmeticException e) {
            return 0;
        }
        if (Long.compareUnsigned(bytes, arch.virtAddressBits() > 32 ? -1L : 0xffffffffL) > 0 || n < 0 || size < 0) {
            return 0;
        }
        return kzalloc(cpu, bytes, gfp, callSite);
    }

    /**
     * {@code ksize(p)}: the usable size of an allocation (mm/slab_common.c {@code __ksize}). The kernel
     * cannot tell a freed object from a live one (without KASAN): a pointer into a slab gives the cache's
     * size. A page that is no slab and no large kmalloc, or a pointer inside a large kmalloc, is
     * __ksize's WARN and 0.
     *
     * @param p an address kmalloc returned, NULL or ZERO_SIZE_PTR
     * @return the slot size, the large allocation's size, or 0
     * @throws KernelBugException for an address outside the direct map (virt_to_folio's __pa)
     */
    public long ksize(long p) {
        if (Long.compareUnsigned(p, ZERO_SIZE_PTR) <= 0) {
            return 0;
        }
        long pfn = pageOf(p, "ksize");
        int flags = frames.flags(pfn);
        if ((flags & PageFlags.PG_SLAB) != 0) {
            return slab.ksize(p);
        }
        long head = largeKmallocHead(pfn);
        if (head < 0) {
            warnKsize(p, "WARN_ON(folio_size(folio) <= KMALLOC_MAX_CACHE_SIZE)");
            return 0;
        }
        if (p != pages.pageAddress(head)) {
            warnKsize(p, "WARN_ON(object != folio_address(folio))");
            return 0;
        }
        return 1L << (shift + PageFlags.order(frames.flags(head)));
    }

    private void warnKsize(long p, String condition) {
        log.warn("------------[ cut here ]------------");
        log.warn("WARNING: CPU: 0 PID: 0 at mm/slab_common.c __ksize");
        log.warn(String.format("ksize(%#x): %s", p, condition));
    }

    /**
     * virt_to_folio() for a large kmalloc: the head page of the compound block holding {@code pfn}.
     *
     * @return the head's pfn, or -1 if {@code pfn} is in no live large kmalloc
     */
    private long largeKmallocHead(long pfn) {
        int maxOrder = maxPageOrder;
        for (int order = 0; order <= maxOrder; order++) {
            long head = pfn & -(1L << order);
            if (!frames.pfnValid(head)) {
                return -1;
            }
            int flags = frames.flags(head);
            if ((flags & PageFlags.PG_LARGE_KMALLOC) != 0) {
                return PageFlags.order(flags) >= order ? head : -1;
            }
        }
        return -1;
    }

    /**
     * {@code krealloc(p, size, gfp)} (mm/slab_common.c __do_krealloc).
     *
     * @param cpu      the calling CPU
     * @param p        the old allocation, NULL or ZERO_SIZE_PTR
     * @param size     the new size; 0 frees and returns ZERO_SIZE_PTR
     * @param gfp      flags
     * @param callSite the caller
     * @return the (possibly same) allocation, or 0 with {@code p} untouched
     */
    public long krealloc(Cpu cpu, long p, long size, int gfp, String callSite) {
        if (size == 0) {
            kfree(cpu, p, callSite);
            return ZERO_SIZE_PTR;
        }
        if (Long.compareUnsigned(p, ZERO_SIZE_PTR) <= 0) {
            return kmalloc(cpu, size, gfp, callSite);
        }
        long ks = ksize(p);
        if (ks >= size) {
            if ((gfp & Gfp.__GFP_ZERO) != 0) {
                memory.fill(p + size, (byte) 0, ks - size);
            }
            return p;
        }
        long q = kmalloc(cpu, size, gfp & ~Gfp.__GFP_ZERO, callSite);
        if (q == 0) {
            return 0;
        }
        memory.copy(q, p, ks);
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            memory.fill(q + ks, (byte) 0, ksize(q) - ks);
        }
        kfree(cpu, p, callSite);
        return q;
    }

    /**
     * {@code kfree(p)}.
     *
     * @param cpu      the calling CPU
     * @param p        an address kmalloc returned, NULL or ZERO_SIZE_PTR
     * @param callSite the caller
     */
    public void kfree(Cpu cpu, long p, String callSite) {
        cpu.charge(slabFreeNanos);
        if (trace.active()) {
            Task current = cpu.current();
            trace.kfree(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), callSite, p);
        }
        if (Long.compareUnsigned(p, ZERO_SIZE_PTR) <= 0) {
            return;
        }
        long pfn = pageOf(p, "kfree");
        int flags = frames.flags(pfn);
        if ((flags & PageFlags.PG_SLAB) != 0) {
            SlabCache c = slab.cacheOf(p);
            if (c == null) {
                // A slab page (SLOB's shared pages) with no object at p: the policy's own free would
                // have linked garbage into its free list; kmemu reports and leaves the heap alone.
                KernelWarning.warnOn(log, cpu, "mm/slab_common.c kfree",
                        String.format("kfree(%#x): no slab object there (invalid pointer or double free)", p));
                return;
            }
            slab.free(cpu.id(), c, p);
            return;
        }
        long head = largeKmallocHead(pfn);
        if (head >= 0 && p == pages.pageAddress(head)) {
            int order = PageFlags.order(frames.flags(head));
            frames.setFlags(head, head + 1, PageFlags.PG_LARGE_KMALLOC, false);
            frames.setOrder(head, 0);
            pages.freePages(cpu, head, order);
            return;
        }
        if (head >= 0) {
            // The kernel frees the whole folio whatever the offset (mm/slub.c kfree); KASAN checks the
            // pointer first (mm/kasan/common.c check_page_allocation) and reports an invalid free.
            reportInvalidFree(cpu, p);
            return;
        }
        // free_large_kmalloc() (mm/slub.c): a page that is no large kmalloc is WARNed about ("object
        // pointer: 0x%p" in 6.1) and dumped ("Not a kmalloc allocation" in 6.15+), then left alone.
        KernelWarning.warnOn(log, cpu, "mm/slub.c free_large_kmalloc", String.format("object pointer: 0x%x", p),
                "page dumped because: Not a kmalloc allocation");
    }

    /** KASAN's invalid-free report (mm/kasan/report.c), for a pointer inside a large kmalloc. */
    private void reportInvalidFree(Cpu cpu, long p) {
        int digits = arch.virtAddressBits() > 32 ? 16 : 8;
        log.printk(cpu.id(), LogLevel.ERR, "=".repeat(66));
        log.printk(cpu.id(), LogLevel.ERR, "BUG: KASAN: invalid-free in kfree");
        log.printk(cpu.id(), LogLevel.ERR, String.format("Free of addr %0" + digits + "x by task %s/%d", p,
                cpu.current().comm(), cpu.current().pid()));
        log.printk(cpu.id(), LogLevel.ERR, "=".repeat(66));
    }

    /**
     * virt_to_folio(): a pointer outside the direct map has no struct page; the kernel's __pa BUGs on it
     * (CONFIG_DEBUG_VIRTUAL's VIRTUAL_BUG_ON, arch/x86/mm/physaddr.c) or reads a wild page and oopses.
     */
    private long pageOf(long p, String function) {
        if (!addr.virtAddrValid(p)) {
            throw bug(function, String.format("%s(%#x): not a direct-mapped address (virt_to_page: VIRTUAL_BUG_ON)",
                    function, p));
        }
        return addr.virtToPage(p);
    }

    // ---- kmem_cache_* ---------------------------------------------------------------------------

    /**
     * {@code kmem_cache_create(name, size, align, flags, ctor)}.
     *
     * @param name  the cache name
     * @param size  object size
     * @param align alignment, 0 or a power of two
     * @param flags {@link SlabFlags}
     * @param ctor  constructor, or null
     * @return the cache, or null (NULL) after the kernel's warning: an empty name, a size below 1 or
     *         above KMALLOC_MAX_SIZE, an alignment that is not 0 or a power of two, or a size the policy
     *         cannot hold
     */
    public SlabCache kmemCacheCreate(String name, int size, int align, int flags, ObjectConstructor ctor) {
        // kmem_cache_sanity_check() (CONFIG_DEBUG_VM) and kmem_cache_create_usercopy() (mm/slab_common.c):
        // -EINVAL, then pr_warn("%s(%s) failed with error %d") and NULL.
        if (name == null || name.isEmpty() || size < 1 || size > kmallocMaxSize) {
            log.err("kmem_cache_create(" + name + ") integrity check failed");
            return createFailed(name);
        }
        if (align < 0 || (align & (align - 1)) != 0) {
            // The kernel rounds with ALIGN(), which assumes a power of two; kmemu refuses.
            log.err("kmem_cache_create(" + name + "): align " + align + " (expected: 0 or a power of two)");
            return createFailed(name);
        }
        SlabCache c = slab.createCache(name, size, align, flags, ctor);
        return c == null ? createFailed(name) : register(c);
    }

    private SlabCache createFailed(String name) {
        log.warn("kmem_cache_create_usercopy(" + name + ") failed with error -22");
        return null;
    }

    /** A NULL struct kmem_cache pointer dereferenced: the page-fault oops at address 0 (arch/x86/mm/fault.c). */
    private KernelBugException nullCache(String function) {
        int digits = arch.virtAddressBits() > 32 ? 16 : 8;
        List<String> report = List.of(String.format("BUG: kernel NULL pointer dereference, address: %0" + digits + "x", 0),
                function + "(NULL, ...): no struct kmem_cache",
                "Oops: 0000 [#1] SMP");
        for (String line : report) {
            log.printk(org.kmemu.api.LogLevel.EMERG, line);
        }
        return new KernelBugException(report);
    }

    /**
     * {@code kmem_cache_alloc(cache, gfp)}.
     *
     * @param cpu      the calling CPU
     * @param cache    the cache
     * @param gfp      flags (__GFP_ZERO zeroes the object, as kmem_cache_zalloc)
     * @param callSite the caller
     * @return the object, or 0
     */
    public long kmemCacheAlloc(Cpu cpu, SlabCache cache, int gfp, String callSite) {
        if (cache == null) {
            throw nullCache("kmem_cache_alloc");
        }
        long p = slab.alloc(cpu.id(), cache, gfp & ~Gfp.__GFP_ZERO);
        if (p != 0 && (gfp & Gfp.__GFP_ZERO) != 0) {
            memory.fill(p, (byte) 0, cache.objectSize());
        }
        allocDone(cpu, "kmem_cache_alloc", callSite, p, cache.objectSize(), cache.slotSize(), gfp);
        return p;
    }

    /**
     * {@code kmem_cache_free(cache, objp)}.
     *
     * @param cpu      the calling CPU
     * @param cache    the cache
     * @param objp     the object
     * @param callSite the caller
     */
    public void kmemCacheFree(Cpu cpu, SlabCache cache, long objp, String callSite) {
        cpu.charge(slabFreeNanos);
        if (trace.active()) {
            Task current = cpu.current();
            trace.kmemCacheFree(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), callSite, objp);
        }
        if (cache == null) {
            throw nullCache("kmem_cache_free");
        }
        if (!addr.virtAddrValid(objp)) { // virt_to_slab(): NULL and other addresses outside the direct map BUG
            throw bug("kmem_cache_free", String.format("kmem_cache_free(%#x): not a direct-mapped address"
                    + " (virt_to_page: VIRTUAL_BUG_ON)", objp));
        }
        slab.free(cpu.id(), cache, objp);
    }

    /**
     * {@code kmem_cache_destroy(cache)}: NULL is ignored, as the kernel ignores it. A cache that still
     * has objects is reported by the policy and stays (its slabs are not freed; it can be destroyed once
     * empty; the kernel leaks it instead).
     *
     * @param cpu   the calling CPU
     * @param cache the cache, or null
     * @return whether it was empty (and is now gone)
     */
    public boolean kmemCacheDestroy(Cpu cpu, SlabCache cache) {
        if (cache == null) {
            return false;
        }
        boolean empty = slab.destroyCache(cpu.id(), cache);
        if (empty) {
            synchronized (caches) {
                caches.remove(cache);
            }
        }
        return empty;
    }

    /** @param cpu the calling CPU @param cache a cache: {@code kmem_cache_shrink()} */
    public void kmemCacheShrink(Cpu cpu, SlabCache cache) {
        if (cache == null) {
            throw nullCache("kmem_cache_shrink");
        }
        slab.shrink(cpu.id(), cache);
    }

    /** Shrinks every cache, e.g. before checking that all pages are back. @param cpu the calling CPU */
    public void shrinkAll(Cpu cpu) {
        for (SlabCache c : caches()) {
            slab.shrink(cpu.id(), c);
        }
    }

    /** @return every live cache, in creation order */
    public List<SlabCache> caches() {
        synchronized (caches) {
            return List.copyOf(caches);
        }
    }

    /** @param cache a cache @return its slabinfo counters */
    public SlabInfo slabInfo(SlabCache cache) {
        return slab.slabInfo(cache);
    }

    /** @param event "kmalloc" or "kmem_cache_alloc" (a literal: the test is a reference compare) */
    private void allocDone(Cpu cpu, String event, String callSite, long p, long req, long alloc, int gfp) {
        // Every allocation path ends here, success or not: its cost is charged first, so that the event
        // carries the time the call returned.
        cpu.charge(slabAllocNanos);
        if (trace.active()) {
            Task current = cpu.current();
            if ("kmalloc".equals(event)) {
                trace.kmalloc(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), callSite, p, req, alloc, gfp);
            } else {
                trace.kmemCacheAlloc(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), callSite, p, req, alloc, gfp);
            }
        }
    }

    private KernelBugException bug(String function, String why) {
        List<String> report = KernelOopsException.bugLines("mm/slab_common.c", function, why);
        for (String line : report) {
            log.printk(org.kmemu.api.LogLevel.EMERG, line);
        }
        return new KernelBugException(report);
    }

    /**
     * Slab pages for the policy: order-N blocks of lowmem, marked PG_slab while the policy holds them,
     * each page's word holding the handle of the policy's slab descriptor (slab->slab_cache's place).
     */
    /**
     * Pages the object allocator holds as slabs, the kernel's NR_SLAB_RECLAIMABLE_B + NR_SLAB_UNRECLAIMABLE_B
     * in pages (mm/slub.c {@code account_slab}/{@code unaccount_slab} keep it per node as slabs come and go).
     * Slabs come and go on any CPU's thread, rarely (once per slab, not per object): an adder.
     */
    private final java.util.concurrent.atomic.LongAdder slabPages = new java.util.concurrent.atomic.LongAdder();

    /** @return pages held as slabs now, over every cache (kmalloc's large allocations are not slabs) */
    public long nrSlabPages() {
        return slabPages.sum();
    }

    private final class Pages implements SlabPages {
        private final HandleTable<Object> owners = new HandleTable<>("slab owner", Integer.MAX_VALUE);

        @Override
        public long allocSlab(int cpu, int gfp, int order, SlabCache cache) {
            if ((gfp & Gfp.__GFP_HIGHMEM) != 0) {
                throw new IllegalArgumentException("allocSlab: " + Gfp.format(gfp) + " (expected: no __GFP_HIGHMEM: slabs are lowmem)");
            }
            long pfn = pages.allocPages(mmu.cpu(cpu), gfp | Gfp.__GFP_COMP, order);
            if (pfn == PageAllocator.NO_PFN) {
                return 0;
            }
            frames.setFlags(pfn, pfn + (1L << order), PageFlags.PG_SLAB, true);
            slabPages.add(1L << order);
            return pages.pageAddress(pfn);
        }

        @Override
        public void freeSlab(int cpu, long vaddr, int order) {
            long pfn = layout.pa(vaddr) >>> shift;
            forgetOwner(pfn, order);
            frames.setFlags(pfn, pfn + (1L << order), PageFlags.PG_SLAB, false);
            slabPages.add(-(1L << order));
            pages.freePages(mmu.cpu(cpu), pfn, order);
        }

        @Override
        public void setOwner(long vaddr, int order, Object owner) {
            long pfn = layout.pa(vaddr) >>> shift;
                if ((frames.flags(pfn) & PageFlags.PG_SLAB) == 0) {
                throw new IllegalArgumentException(String.format("setOwner: %#x (expected: a slab from allocSlab)", vaddr));
            }
            forgetOwner(pfn, order);
            if (owner != null) {
                frames.setWord(pfn, pfn + (1L << order), owners.add(owner));
            }
        }

        private void forgetOwner(long pfn, int order) {
                int old = (int) frames.word(pfn);
            if (old != 0) {
                frames.setWord(pfn, pfn + (1L << order), 0);
                owners.remove(old);
            }
        }

        /** PAGE_OFFSET: slabs are direct-mapped, [PAGE_OFFSET, high_memory). */
        private final long directMapStart = layout.pageOffset();
        private final long directMapBytes = layout.highMemory() - directMapStart;
        /** __pa(PAGE_OFFSET): where the direct map starts in RAM (not 0 on e500 with memstart). */
        private final long directMapPhys = layout.pa(directMapStart);
        /** The outer field, copied so that owner() reads it without going through SlabLayer.this. */
        private final PageFrames frames = SlabLayer.this.frames;

        @Override
        public Object owner(long vaddr) {
            // virt_to_slab() on the hot path: __pa of the direct map is a subtraction, so do it here
            // instead of asking the architecture's layout (which checks every kernel mapping).
            long off = vaddr - directMapStart;
            if (Long.compareUnsigned(off, directMapBytes) >= 0) {
                return null;
            }
            long pfn = (directMapPhys + off) >>> shift;
            if (!frames.pfnValid(pfn) || (frames.flags(pfn) & PageFlags.PG_SLAB) == 0) {
                return null;
            }
            return owners.get((int) frames.word(pfn));
        }
    }

    /** The context the policy gets. */
    private record Context(ConfigView config, ArchSpec arch, int cpus, int maxPageOrder, KernelLog log,
            org.kmemu.api.PerCpuOwnership perCpu, KernelMemory memory, SlabPages pages) implements SlabContext {
        @Override
        public int pageShift() {
            return arch.pageShift();
        }

        @Override
        public int cacheLineBytes() {
            return arch.cacheLineBytes();
        }

        @Override
        public int kmallocMinSize() {
            return arch.kmallocMinSize();
        }

        @Override
        public int pointerBytes() {
            return arch.virtAddressBits() > 32 ? 8 : 4;
        }
    }
}
