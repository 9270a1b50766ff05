package org.kmemu.alloc.slab;

import org.kmemu.api.Gfp;
import org.kmemu.api.KernelMemory;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.SlabInfo;
import org.kmemu.api.SlabPages;

/**
 * The classic SLAB allocator (mm/slab.c as of Linux 4.x, single node; SLAB was removed in 6.8). Of
 * CONFIG_DEBUG_SLAB it keeps the free-time checks, always on: a double free is verify_redzone_free's
 * "double free detected" and is dropped (an in-use byte per object stands for the red-zone words), and a
 * pointer that is not an object start is cache_free_debugcheck's BUG_ON, a {@link KernelOopsException}.
 * Without them the kernel's array caches would take the object twice and hand it out twice.
 *
 * <p>Algorithm. Each cache has one {@link ArrayCache} per CPU (limit/batchcount from enable_cpucache),
 * a node with a shared array (SMP, objects up to a page) and three slab lists, full, partial and free.
 * <ul>
 *   <li>alloc (____cache_alloc): pop the CPU's array; if empty, cache_alloc_refill takes up to
 *       batchcount objects (BATCHREFILL_LIMIT if the array was not touched) under the node lock, first
 *       from the shared array, else from partial slabs, then free slabs, moving each slab to the
 *       right list; if nothing is there it grows the cache by one slab (cache_grow) and retries;</li>
 *   <li>free (__cache_free): push onto the CPU's array; when it is full, cache_flusharray first moves
 *       batchcount of its oldest entries to the shared array if that has room, else gives them to
 *       their slabs (free_block); a slab left empty goes to the free list, or back to the page
 *       allocator once the node holds more than free_limit free objects;</li>
 *   <li>cache_grow: the slab gets the next colour ({@code colour_next * colour_off} bytes from its
 *       start), its management (on the slab after the colour, or a management object from an on-slab
 *       cache of the allocator's own, the role kmalloc_slab(freelist_size) plays in the kernel), the
 *       constructor runs on every object, and the freelist is filled with 0..num-1.</li>
 * </ul>
 *
 * <p>The freelist in RAM: {@code freelist_idx_t} entries of 16 bits; entry {@code i} is the low half
 * (i even) or the high half (i odd) of the 32-bit word at {@code freelist + 4 * (i / 2)}. That is the
 * kernel's byte layout on little-endian machines; on big-endian ones the two halves of each word
 * swap places. Entries {@code [active, num)} name the free objects; slab_get_obj takes entry
 * {@code active++}, slab_put_obj writes the object's index at {@code --active}.
 *
 * <p>Invariants (node lock): a slab is on slabs_full iff active == num, on slabs_free iff active == 0,
 * else on slabs_partial; {@code freeObjects} is the sum of num - active over the lists; objects in
 * array caches count as active, as get_slabinfo counts them.
 *
 * <p>Per-CPU state: {@code cpuCache[cpu]} is used by CPU {@code cpu}'s thread, which the debug tier
 * checks on alloc and free ({@link PerCpuOwnership}). Draining every CPU's array (shrink, destroy),
 * which the kernel does with on_each_cpu(do_drain), takes each array's monitor here instead, so it is
 * correct from any thread and not checked.
 *
 * <p>Lock order: a CPU's array cache monitor (local_irq_disable), then the node (n->list_lock), then
 * the page map. cache_grow allocates pages and runs constructors outside the node lock; slabs are
 * destroyed outside it (slabs_destroy). An off-slab cache takes its management cache's locks after
 * its own; management caches are on-slab, so the nesting stops there.
 */
final class SlabAllocatorImpl implements SlabAllocator {

    /** GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK (mm/internal.h): the caller bits cache_grow keeps. */
    private static final int GFP_LOCAL_MASK = Gfp.__GFP_RECLAIM | Gfp.__GFP_HIGH | Gfp.__GFP_IO | Gfp.__GFP_FS
            | Gfp.__GFP_NOWARN | Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_NOFAIL | Gfp.__GFP_NORETRY
            | Gfp.__GFP_MEMALLOC | Gfp.__GFP_NOMEMALLOC | Gfp.__GFP_HARDWALL | Gfp.__GFP_THISNODE;
    /** RED_INACTIVE of the old SLAB, printed by the double-free report. */
    private static final long RED_INACTIVE = 0x09F911029D74E35BL;
    /** The smallest management cache: SLAB's KMALLOC_SHIFT_LOW is 5. */
    private static final int MGMT_MIN_SHIFT = 5;

    private final SlabContext context;
    private final SlabOptions options;
    private final KernelMemory memory;
    private final SlabPages pages;
    private final int pageShift;
    private final PerCpuOwnership perCpu;
    /** The management caches by size class (log2), created on first use; guarded by this. */
    private final KmemCache[] mgmtCaches = new KmemCache[32];

    SlabAllocatorImpl(SlabContext context, SlabOptions options) {
        this.context = context;
        this.options = options;
        this.memory = context.memory();
        this.pages = context.pages();
        this.pageShift = context.pageShift();
        this.perCpu = context.perCpu();
    }

    SlabOptions options() {
        return options;
    }

    // ---------------------------------------------------------------------------------------------
    // kmem_cache_create

    @Override
    public SlabCache createCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor) {
        // The core checked name, size and alignment (SlabAllocator#createCache).
        return newCache(name, objectSize, align, flags, ctor, true);
    }

    private KmemCache newCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor,
                               boolean allowOffSlab) {
        SlabGeometry g = SlabGeometry.compute(objectSize, align, flags, pageShift, context.cacheLineBytes(),
                options.maxOrder(), allowOffSlab);
        if (g == null) {
            return null; // __kmem_cache_create: no slab order holds the object, -E2BIG
        }
        // enable_cpucache: limit by object size, batchcount (limit + 1) / 2, shared on SMP for objects up to a page.
        int size = g.size();
        int pageSize = 1 << pageShift;
        int limit = size > 131072 ? 1 : size > pageSize ? 8 : size > 1024 ? 24 : size > 256 ? 54 : 120;
        int shared = size <= pageSize && context.cpus() > 1 ? options.sharedFactor() : 0;
        int batchcount = (limit + 1) / 2;
        int allocFlags = Gfp.__GFP_COMP;
        if ((flags & SlabFlags.SLAB_CACHE_DMA) != 0) {
            allocFlags |= Gfp.__GFP_DMA;
        }
        if ((flags & SlabFlags.SLAB_CACHE_DMA32) != 0) {
            allocFlags |= Gfp.__GFP_DMA32;
        }
        if ((flags & SlabFlags.SLAB_RECLAIM_ACCOUNT) != 0) {
            allocFlags |= Gfp.__GFP_RECLAIMABLE;
        }
        KmemCache mgmt = g.offSlab() ? mgmtCache(g.freelistSize()) : null;
        return new KmemCache(name, objectSize, flags, ctor, g, limit, batchcount, shared, allocFlags,
                context.cpus(), mgmt);
    }

    /** kmalloc_slab(freelist_size) for SLAB's off-slab freelists: power-of-two classes from 32 bytes. */
    private synchronized KmemCache mgmtCache(int bytes) {
        int shift = Math.max(MGMT_MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(bytes - 1));
        KmemCache c = mgmtCaches[shift];
        if (c == null) {
            c = newCache("slab-mgmt-" + (1 << shift), 1 << shift, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null, false);
            mgmtCaches[shift] = c;
        }
        return c;
    }

    private static KmemCache slab(SlabCache cache) {
        if (cache instanceof KmemCache k) {
            return k;
        }
        throw new IllegalArgumentException("cache: " + cache + " (expected: a cache this SLAB allocator made)");
    }

    // ---------------------------------------------------------------------------------------------
    // Allocation

    @Override
    public long alloc(int cpu, SlabCache cache, int gfp) {
        KmemCache c = slab(cache);
        if (PerCpuOwnership.CHECKS) {
            perCpu.check(cpu, "____cache_alloc", "array_cache");
        }
        ArrayCache ac = c.cpuCache[cpu];
        long objp;
        synchronized (ac) {
            if (ac.avail > 0) {
                ac.touched = true;
                objp = ac.entry[--ac.avail];
            } else {
                objp = cacheAllocRefill(cpu, c, ac, gfp);
            }
        }
        if (objp != 0) {
            Slab s = (Slab) pages.owner(objp);
            s.markAllocated(s.objToIndex(objp));
        }
        return objp;
    }

    /** cache_alloc_refill: the CPU's array is empty. Caller holds ac's monitor. */
    private long cacheAllocRefill(int cpu, KmemCache c, ArrayCache ac, int gfp) {
        if (c.destroyed) {
            throw useAfterDestroy(c, "kmem_cache_alloc");
        }
        CacheNode n = c.node;
        int num = c.geometry.num();
        while (true) {
            int batchcount = ac.batchcount;
            if (!ac.touched && batchcount > options.batchRefillLimit()) {
                batchcount = options.batchRefillLimit();
            }
            synchronized (n) {
                if (n.shared != null && ac.transferFrom(n.shared, batchcount) > 0) {
                    n.shared.touched = true;
                } else {
                    while (batchcount > 0) {
                        Slab s = n.slabsPartial.first();
                        if (s == null) {
                            n.freeTouched = true;
                            s = n.slabsFree.first();
                            if (s == null) {
                                break;
                            }
                        }
                        assert s.active < num;
                        while (s.active < num && batchcount-- > 0) {
                            ac.entry[ac.avail++] = slabGetObj(s);
                        }
                        s.list.remove(s);
                        (s.active == num ? n.slabsFull : n.slabsPartial).addFirst(s);
                    }
                    n.freeObjects -= ac.avail;
                }
            }
            if (ac.avail == 0 && !cacheGrow(cpu, c, gfp)) {
                return 0;
            }
            if (ac.avail > 0) {
                ac.touched = true;
                return ac.entry[--ac.avail];
            }
        }
    }

    /** slab_get_obj. Caller holds the node lock. */
    private long slabGetObj(Slab s) {
        return s.indexToObj(getFreeObj(s, s.active++));
    }

    /** slab_put_obj. Caller holds the node lock. */
    private void slabPutObj(Slab s, int objnr) {
        setFreeObj(s, --s.active, objnr);
    }

    private int getFreeObj(Slab s, int idx) {
        int word = memory.readInt(s.freelist + ((long) (idx >>> 1) << 2));
        return (idx & 1) == 0 ? word & 0xffff : word >>> 16;
    }

    private void setFreeObj(Slab s, int idx, int value) {
        long addr = s.freelist + ((long) (idx >>> 1) << 2);
        int word = memory.readInt(addr);
        word = (idx & 1) == 0 ? (word & 0xffff0000) | value : (word & 0xffff) | (value << 16);
        memory.writeInt(addr, word);
    }

    /**
     * cache_grow: one more slab on the free list. Called with the CPU's array monitor held (it is
     * empty), not the node lock.
     *
     * @return false if no pages (or no management object) could be had
     */
    private boolean cacheGrow(int cpu, KmemCache c, int gfp) {
        SlabGeometry g = c.geometry;
        CacheNode n = c.node;
        int colour;
        synchronized (n) {
            colour = n.colourNext++;
            if (n.colourNext >= g.colour()) {
                n.colourNext = 0;
            }
        }
        long offset = (long) colour * g.colourOff();
        int localFlags = gfp & GFP_LOCAL_MASK;
        long base = pages.allocSlab(cpu, localFlags | c.allocFlags, g.order(), c);
        if (base == 0) {
            reportOutOfMemory(c, gfp);
            return false;
        }
        long freelist;
        if (g.offSlab()) {
            freelist = alloc(cpu, c.freelistCache, localFlags);
            if (freelist == 0) {
                pages.freeSlab(cpu, base, g.order());
                return false;
            }
        } else {
            freelist = base + offset;
            offset += g.freelistSize();
        }
        Slab s = new Slab(c, base, base + offset, freelist);
        pages.setOwner(base, g.order(), s);
        // cache_init_objs: constructors run without locks; then freelist[i] = i.
        for (int i = 0; i < g.num(); i++) {
            if (c.ctor != null) {
                c.ctor.construct(s.indexToObj(i));
            }
        }
        for (int i = 0; i < g.num(); i += 2) {
            int hi = i + 1 < g.num() ? (i + 1) << 16 : 0;
            memory.writeInt(freelist + ((long) i << 1), hi | i);
        }
        synchronized (n) {
            n.slabsFree.addLast(s);
            n.freeObjects += g.num();
        }
        return true;
    }

    /**
     * A call on a cache kmem_cache_destroy already freed: the kernel dereferences a freed struct
     * kmem_cache; kmemu stops the caller with a BUG report.
     */
    private KernelOopsException useAfterDestroy(KmemCache c, String function) {
        return KernelOopsException.report(context.log(), KernelOopsException.bugLines("mm/slab.c", function,
                function + "(" + c.name + "): the cache was destroyed (kmem_cache_destroy freed its struct kmem_cache)"));
    }

    private void reportOutOfMemory(KmemCache c, int gfp) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        // mm/slab.c slab_out_of_memory
        context.log().warn("SLAB: Unable to allocate memory on node 0, gfp=0x" + Integer.toHexString(gfp) + "("
                + Gfp.format(gfp) + ")");
        context.log().warn("  cache: " + c.name + ", object size: " + c.geometry.size() + ", order: "
                + c.geometry.order());
    }

    // ---------------------------------------------------------------------------------------------
    // Free

    @Override
    public void free(int cpu, SlabCache cache, long objp) {
        KmemCache named = slab(cache);
        Slab s = (Slab) pages.owner(objp);
        if (s == null) {
            context.log().warn("virt_to_cache: Object is not a Slab page!");
            return;
        }
        KmemCache c = s.cache;
        if (c != named) {
            // mm/slab.h cache_from_obj: warn, then free to the cache the object came from.
            context.log().warn("cache_from_obj: Wrong slab cache. " + named.name + " but object is from " + c.name);
        }
        int idx = s.objToIndex(objp);
        if (idx < 0) {
            // cache_free_debugcheck (CONFIG_DEBUG_SLAB): BUG_ON(objp != index_to_obj(cachep, page, objnr)).
            throw KernelOopsException.report(context.log(), KernelOopsException.bugLines("mm/slab.c", "cache_free_debugcheck",
                    String.format("kmem_cache_free(%s, %#x): BUG_ON(objp != index_to_obj(cachep, page, objnr))", c.name, objp)));
        }
        if (PerCpuOwnership.CHECKS) {
            perCpu.check(cpu, "__cache_free", "array_cache");
        }
        ArrayCache ac = c.cpuCache[cpu];
        synchronized (ac) {
            if (!s.markFree(idx)) {
                // mm/slab.c verify_redzone_free: both red zones inactive means the object was free.
                context.log().err("slab error in verify_redzone_free(): cache `" + c.name + "': double free detected");
                context.log().err(String.format("%x: redzone 1:0x%x, redzone 2:0x%x.", objp, RED_INACTIVE,
                        RED_INACTIVE));
                return;
            }
            if (ac.avail >= ac.limit) {
                cacheFlusharray(cpu, c, ac);
            }
            ac.entry[ac.avail++] = objp;
        }
    }

    /** cache_flusharray: the CPU's array is full. Caller holds ac's monitor. */
    private void cacheFlusharray(int cpu, KmemCache c, ArrayCache ac) {
        int batchcount = ac.batchcount;
        CacheNode n = c.node;
        Slab dead = null;
        synchronized (n) {
            ArrayCache shared = n.shared;
            int room = shared == null ? 0 : shared.limit - shared.avail;
            if (room > 0) {
                batchcount = Math.min(batchcount, room);
                System.arraycopy(ac.entry, 0, shared.entry, shared.avail, batchcount);
                shared.avail += batchcount;
            } else {
                dead = freeBlock(c, ac.entry, batchcount);
            }
        }
        slabsDestroy(cpu, dead);
        ac.removeFirst(batchcount);
    }

    /**
     * free_block: gives {@code nr} objects back to their slabs. Caller holds the node lock.
     *
     * @return the slabs to destroy (over free_limit), chained through {@link Slab#next}
     */
    private Slab freeBlock(KmemCache c, long[] objpp, int nr) {
        CacheNode n = c.node;
        int num = c.geometry.num();
        Slab dead = null;
        for (int i = 0; i < nr; i++) {
            long objp = objpp[i];
            Slab s = (Slab) pages.owner(objp);
            assert s != null && s.cache == c : "free_block of a foreign object";
            s.list.remove(s);
            slabPutObj(s, s.objToIndex(objp));
            n.freeObjects++;
            if (s.active == 0) {
                if (n.freeObjects > n.freeLimit) {
                    n.freeObjects -= num;
                    s.next = dead;
                    dead = s;
                } else {
                    n.slabsFree.addFirst(s);
                }
            } else {
                n.slabsPartial.addLast(s);
            }
        }
        return dead;
    }

    /** slabs_destroy: outside the node lock, pages back and the management object freed. */
    private void slabsDestroy(int cpu, Slab chain) {
        while (chain != null) {
            Slab s = chain;
            chain = s.next;
            s.next = null;
            slabDestroy(cpu, s);
        }
    }

    private void slabDestroy(int cpu, Slab s) {
        SlabGeometry g = s.cache.geometry;
        pages.freeSlab(cpu, s.base, g.order());
        if (g.offSlab()) {
            free(cpu, s.cache.freelistCache, s.freelist);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Shrink, destroy, slabinfo

    @Override
    public SlabCache cacheOf(long objp) {
        Slab s = (Slab) pages.owner(objp);
        return s == null ? null : s.cache;
    }

    @Override
    public void shrink(int cpu, SlabCache cache) {
        KmemCache c = slab(cache);
        if (c.destroyed) {
            throw useAfterDestroy(c, "kmem_cache_shrink");
        }
        shrinkCache(cpu, c);
        if (c.freelistCache != null) {
            // The kernel leaves the kmalloc caches its freelists came from to cache_reap; the
            // management objects freed above go back to their slabs now instead.
            shrinkCache(cpu, c.freelistCache);
        }
    }

    /**
     * __kmem_cache_shrink: drain every CPU's array and the shared array, then free all free slabs.
     *
     * @return true if slabs with objects in use remain
     */
    private boolean shrinkCache(int cpu, KmemCache c) {
        CacheNode n = c.node;
        for (ArrayCache ac : c.cpuCache) { // drain_cpu_caches: do_drain on each CPU
            Slab dead;
            synchronized (ac) {
                synchronized (n) {
                    dead = freeBlock(c, ac.entry, ac.avail);
                }
                ac.avail = 0;
            }
            slabsDestroy(cpu, dead);
        }
        Slab dead = null;
        synchronized (n) {
            if (n.shared != null) { // drain_array(force)
                dead = freeBlock(c, n.shared.entry, n.shared.avail);
                n.shared.avail = 0;
            }
            Slab s; // drain_freelist(slabs_tofree): every free slab, from the tail
            while ((s = n.slabsFree.last()) != null) {
                n.slabsFree.remove(s);
                n.freeObjects -= c.geometry.num();
                s.next = dead;
                dead = s;
            }
        }
        slabsDestroy(cpu, dead);
        synchronized (n) {
            return !n.slabsFull.isEmpty() || !n.slabsPartial.isEmpty();
        }
    }

    @Override
    public boolean destroyCache(int cpu, SlabCache cache) {
        KmemCache c = slab(cache);
        if (c.destroyed) {
            throw useAfterDestroy(c, "kmem_cache_destroy");
        }
        boolean busy = shrinkCache(cpu, c);
        if (c.freelistCache != null) {
            shrinkCache(cpu, c.freelistCache);
        }
        if (busy) {
            // mm/slab_common.c kmem_cache_destroy when __kmem_cache_shutdown fails
            context.log().err("kmem_cache_destroy " + c.name + ": Slab cache still has objects");
            return false;
        }
        c.destroyed = true;
        return true;
    }

    @Override
    public SlabInfo slabInfo(SlabCache cache) {
        KmemCache c = slab(cache);
        SlabGeometry g = c.geometry;
        CacheNode n = c.node;
        long activeObjs;
        long activeSlabs;
        long numSlabs;
        long sharedAvail;
        String error = null;
        synchronized (n) { // get_slabinfo
            activeSlabs = n.slabsFull.size() + n.slabsPartial.size();
            numSlabs = activeSlabs + n.slabsFree.size();
            activeObjs = (long) n.slabsFull.size() * g.num();
            for (Slab s = n.slabsPartial.first(); s != null; s = s.next) {
                activeObjs += s.active;
            }
            sharedAvail = n.shared == null ? 0 : n.shared.avail;
            if (numSlabs * g.num() - activeObjs != n.freeObjects) {
                error = "free_objects accounting error";
            }
        }
        if (error != null) {
            context.log().err("slab: cache " + c.name + " error: " + error);
        }
        return new SlabInfo(c.name, activeObjs, numSlabs * g.num(), g.size(), g.num(), g.pagesPerSlab(), c.limit,
                c.batchcount, c.sharedFactor, activeSlabs, numSlabs, sharedAvail);
    }
}
