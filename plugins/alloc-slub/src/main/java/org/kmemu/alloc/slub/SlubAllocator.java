package org.kmemu.alloc.slub;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelMemory;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabInfo;
import org.kmemu.api.SlabPages;

/**
 * SLUB (mm/slub.c, 6.x, CONFIG_SLUB_CPU_PARTIAL off, no debugging).
 *
 * <p>Algorithm. Free objects are chained through a free pointer stored in emulated RAM at
 * {@code object + s->offset}, in the machine's byte order; a chain ends with 0. Each CPU owns one
 * frozen slab ({@code c->slab}) and a private chain of its free objects ({@code c->freelist}):
 * <ul>
 *   <li>alloc fast path (slab_alloc_node): pop c->freelist;</li>
 *   <li>free fast path (do_slab_free): the object's slab is c->slab, push onto c->freelist;</li>
 *   <li>alloc slow path (___slab_alloc): take the frozen slab's own free list (objects other CPUs
 *       freed, get_freelist); else unfreeze it (it is full and goes on no list) and take the first
 *       node partial slab (get_partial); else allocate a slab (allocate_slab: s->oo, then s->min),
 *       run the constructor on each object and chain them in address order;</li>
 *   <li>free slow path (__slab_free): push onto the slab's free list under the node lock; a full
 *       slab becomes partial; an empty one is freed if the node already has s->min_partial partial
 *       slabs, else it stays on the partial list;</li>
 *   <li>deactivate_slab (flush_all, used by shrink and destroy): splice the CPU's chain back onto
 *       the slab, then free, list as partial, or forget it as full.</li>
 * </ul>
 *
 * <p>Invariants (under the node lock): a slab's {@code inuse} is {@code objects} minus the length of
 * its own free list, where a frozen slab counts the CPU's chain as in use; a slab is on the partial
 * list iff it is not frozen and its free list is not empty; full slabs are on no list.
 *
 * <p>Per-CPU state: {@code cpuSlabs[cpu]} is used by CPU {@code cpu}'s thread, which the debug tier
 * checks on the fast paths ({@link PerCpuOwnership}). flush_all, which the kernel runs on every CPU
 * (flush_cpu_slab by IPI or per-CPU work), takes each CPU's monitor here instead, so shrink and
 * destroy are correct from any thread and are not checked.
 *
 * <p>Lock order: a CPU's {@link CpuSlab} monitor (local_lock), then the cache's {@link CacheNode}
 * (n->list_lock), then the machine's slab-owner table ({@code SlabPages.setOwner}). Pages go back to the page allocator outside the node
 * lock, as discard_slab does. Misuse is reported in the kernel's words and the call is then ignored
 * (a wrong cache is warned about and the object freed to its own cache, as cache_from_obj returns it).
 *
 * <p>Frees always run slub_debug's free consistency checks (check_valid_pointer, on_freelist): an
 * interior or out-of-slab pointer is "Invalid object pointer", a double free "Object already free",
 * and the object is not freed. A kernel without slub_debug would catch only a double free of the
 * freelist head (CONFIG_SLAB_FREELIST_HARDENED's BUG_ON in set_freepointer) and corrupt its free list
 * otherwise; kmemu keeps its state consistent instead. on_freelist's walk is a bitmap per slab here
 * ({@link Slab#markFree}), plain bits guarded by the owning CPU's lock while the slab is frozen and by
 * the node lock otherwise, so a free to another CPU's slab takes that CPU's lock first (slow path
 * only; the fast paths stay free of atomics). A call on a destroyed cache is a
 * {@link KernelOopsException}.
 */
final class SlubAllocator implements SlabAllocator {

    /** GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK (mm/internal.h): the caller bits allocate_slab keeps. */
    private static final int GFP_RECLAIM_MASK = Gfp.__GFP_RECLAIM | Gfp.__GFP_HIGH | Gfp.__GFP_IO | Gfp.__GFP_FS
            | Gfp.__GFP_NOWARN | Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_NOFAIL | Gfp.__GFP_NORETRY
            | Gfp.__GFP_MEMALLOC | Gfp.__GFP_NOMEMALLOC | Gfp.__GFP_HARDWALL | Gfp.__GFP_THISNODE;
    /** GFP_SLAB_BUG_MASK (mm/slab.h) without the unknown bits: zones slabs may not come from. */
    private static final int GFP_SLAB_BUG_MASK = Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM;

    private static final String EQUALS = "=".repeat(75);
    private static final String DASHES = "-".repeat(75);

    private final SlabContext context;
    private final SlubOptions options;
    private final KernelMemory memory;
    /** sizeof(void *): free pointers are this wide in RAM. */
    private final int pointerBytes;
    private final SlabPages pages;
    private final int pageShift;
    private final PerCpuOwnership perCpu;
    /** TAINT_BAD_PAGE, set by the first slab_bug report. */
    private volatile boolean tainted;

    SlubAllocator(SlabContext context, SlubOptions options) {
        this.context = context;
        this.options = options;
        this.memory = context.memory();
        this.pointerBytes = context.pointerBytes();
        if (pointerBytes != 4 && pointerBytes != 8) {
            throw new IllegalArgumentException("pointerBytes: " + pointerBytes + " (expected: 4 or 8)");
        }
        this.pages = context.pages();
        this.pageShift = context.pageShift();
        this.perCpu = context.perCpu();
    }

    /** @return the options read from the config */
    SlubOptions options() {
        return options;
    }

    @Override
    public SlabCache createCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor) {
        // The core checked name, size and alignment (SlabAllocator#createCache).
        SlubCache s = new SlubCache(name, objectSize, align, flags, ctor, context.cpus(), options, pageShift,
                context.cacheLineBytes(), pointerBytes);
        return s.order < 0 ? null : s; // calculate_sizes() failed: kmem_cache_open's -EINVAL
    }

    private static SlubCache slub(SlabCache cache) {
        if (cache instanceof SlubCache s) {
            return s;
        }
        throw new IllegalArgumentException("cache: " + cache + " (expected: a cache this SLUB allocator made)");
    }

    // ---------------------------------------------------------------------------------------------
    // Allocation

    @Override
    public long alloc(int cpu, SlabCache cache, int gfp) {
        SlubCache s = slub(cache);
        if (PerCpuOwnership.CHECKS) {
            perCpu.check(cpu, "slab_alloc_node", "kmem_cache_cpu");
        }
        CpuSlab c = s.cpuSlabs[cpu];
        synchronized (c) {
            long object = c.freelist;
            if (object != 0) {
                c.freelist = getFreePointer(object + s.offset);
            } else {
                object = allocSlowLocked(cpu, s, c, gfp);
                if (object == 0) {
                    return 0;
                }
            }
            Slab slab = c.slab; // every object on the CPU's chain is of its slab
            slab.markAllocated(objToIndex(s, object - slab.addr));
            return object;
        }
    }

    /** ___slab_alloc: the CPU's chain is empty. Caller holds c's monitor. */
    private long allocSlowLocked(int cpu, SlubCache s, CpuSlab c, int gfp) {
        if (s.destroyed) {
            throw useAfterDestroy(s, "kmem_cache_alloc");
        }
        CacheNode n = s.node;
        Slab slab = c.slab;
        if (slab != null) {
            long object;
            synchronized (n) {
                // get_freelist(): objects other CPUs freed to our frozen slab.
                object = slab.freelist;
                if (object != 0) {
                    slab.freelist = 0;
                    slab.inuse = slab.objects;
                } else {
                    slab.frozen = false; // full: on no list
                }
            }
            if (object != 0) {
                c.freelist = getFreePointer(object + s.offset);
                return object;
            }
            c.slab = null;
        }
        long object = 0;
        synchronized (n) {
            slab = n.firstPartialLocked();
            if (slab != null) {
                n.removePartialLocked(slab);
                object = freezeLocked(slab, cpu);
            }
        }
        if (slab == null) {
            slab = newSlab(cpu, s, gfp);
            if (slab == null) {
                if ((gfp & Gfp.__GFP_NOWARN) == 0) {
                    reportOutOfMemory(s, gfp);
                }
                return 0;
            }
            synchronized (n) {
                object = freezeLocked(slab, cpu);
            }
        }
        c.slab = slab;
        c.freelist = getFreePointer(object + s.offset);
        return object;
    }

    /**
     * obj_to_index: the index of the slot holding {@code offset} (0 &lt;= offset &lt; the slab's bytes) by
     * reciprocal multiplication; exact for slot starts.
     */
    private static int objToIndex(SlubCache s, long offset) {
        return (int) ((offset * s.reciprocalSize) >>> 32);
    }

    /** Makes a slab some CPU's slab: its free list moves to the CPU. @return the list's head */
    private static long freezeLocked(Slab slab, int cpu) {
        long object = slab.freelist;
        assert object != 0 && !slab.frozen && !slab.onPartial;
        slab.cpu = cpu;
        slab.freelist = 0;
        slab.inuse = slab.objects;
        slab.frozen = true;
        return object;
    }

    /** new_slab / allocate_slab: pages, constructor, the free chain; not yet frozen. @return null if out */
    private Slab newSlab(int cpu, SlubCache s, int gfp) {
        if ((gfp & GFP_SLAB_BUG_MASK) != 0) {
            int fixed = gfp & ~GFP_SLAB_BUG_MASK;
            // kmalloc_fix_flags (mm/slub.c)
            context.log().warn("Unexpected gfp: 0x" + Integer.toHexString(gfp & GFP_SLAB_BUG_MASK) + " ("
                    + Gfp.format(gfp & GFP_SLAB_BUG_MASK) + "). Fixing up to gfp: 0x" + Integer.toHexString(fixed)
                    + " (" + Gfp.format(fixed) + "). Fix your code!");
            gfp = fixed;
        }
        int flags = (gfp & GFP_RECLAIM_MASK) | s.allocFlags;
        // The preferred order must not try hard: no warning, no retry, no reclaim if it is above the minimum.
        int tryGfp = (flags | Gfp.__GFP_NOWARN | Gfp.__GFP_NORETRY) & ~Gfp.__GFP_NOFAIL;
        if ((tryGfp & Gfp.__GFP_DIRECT_RECLAIM) != 0 && s.order > s.minOrder) {
            tryGfp = (tryGfp | Gfp.__GFP_NOMEMALLOC) & ~Gfp.__GFP_RECLAIM;
        }
        int order = s.order;
        int objects = s.objects;
        long addr = pages.allocSlab(cpu, tryGfp, order, s);
        if (addr == 0) {
            order = s.minOrder;
            objects = s.minObjects;
            addr = pages.allocSlab(cpu, flags, order, s);
            if (addr == 0) {
                return null;
            }
        }
        // setup_object on every object, chained in address order (no CONFIG_SLAB_FREELIST_RANDOM).
        ObjectConstructor ctor = s.ctor;
        long p = addr;
        for (int i = 0; i < objects; i++, p += s.size) {
            if (ctor != null) {
                ctor.construct(p);
            }
            setFreePointer(p + s.offset, i + 1 < objects ? p + s.size : 0);
        }
        CacheNode n = s.node;
        Slab slab;
        synchronized (n) {
            slab = n.takeDescriptorLocked();
            slab.addr = addr;
            slab.order = order;
            slab.objects = objects;
            slab.inuse = 0;
            slab.freelist = addr;
            slab.clearInUse(objects);
            slab.cache = s;
            n.nrSlabs++;
            n.totalObjects += objects;
            pages.setOwner(addr, order, slab);
        }
        return slab;
    }

    // ---------------------------------------------------------------------------------------------
    // Free

    @Override
    public void free(int cpu, SlabCache cache, long objp) {
        SlubCache s = slub(cache);
        Slab slab = (Slab) pages.owner(objp);
        SlubCache owner = slab == null ? null : slab.cache;
        if (owner != s) {
            freeMisdirected(cpu, s, owner, objp);
            return;
        }
        // free_consistency_checks (slub_debug=F): check_valid_pointer, then on_freelist.
        long offset = objp - slab.addr;
        int index = objToIndex(s, offset);
        if (index >= slab.objects || (long) index * s.size != offset) {
            reportInvalidPointer(s, slab, objp);
            return;
        }
        if (PerCpuOwnership.CHECKS) {
            perCpu.check(cpu, "do_slab_free", "kmem_cache_cpu");
        }
        CpuSlab c = s.cpuSlabs[cpu];
        synchronized (c) {
            if (c.slab == slab) {
                if (!slab.markFree(index)) {
                    reportDoubleFree(s, slab, objp);
                    return;
                }
                setFreePointer(objp + s.offset, c.freelist);
                c.freelist = objp;
                return;
            }
        }
        freeSlow(cpu, s, slab, objp, index);
    }

    /** cache_from_obj / virt_to_cache: the object is not of the named cache. */
    private void freeMisdirected(int cpu, SlubCache s, SlubCache owner, long objp) {
        context.log().warn("------------[ cut here ]------------");
        if (owner == null) {
            context.log().warn("virt_to_cache: Object is not a Slab page!");
            return;
        }
        context.log().warn("cache_from_obj: Wrong slab cache. " + s.name + " but object is from " + owner.name);
        free(cpu, owner, objp);
    }

    /** __slab_free: the slab is not this CPU's. */
    /**
     * __slab_free: the slab is not this CPU's. Its in-use bits belong to the owner's lock while it is
     * frozen (the owner allocates from it under that lock alone), so a free to another CPU's slab takes
     * that CPU's lock before the node's, the same order alloc uses; a slab on no CPU is the node's.
     */
    private void freeSlow(int cpu, SlubCache s, Slab slab, long objp, int index) {
        CacheNode n = s.node;
        while (true) {
            int ownerCpu = -1; // stays -1 once the free is done under the node lock
            long discardAddr = 0;
            int discardOrder = 0;
            synchronized (n) {
                if (!stillHolds(s, slab, objp)) {
                    return;
                }
                if (slab.frozen) {
                    ownerCpu = slab.cpu;
                } else {
                    if (!slab.markFree(index)) {
                        reportDoubleFree(s, slab, objp);
                        return;
                    }
                    long prior = slab.freelist;
                    setFreePointer(objp + s.offset, prior);
                    slab.freelist = objp;
                    slab.inuse--;
                    if (slab.inuse == 0 && n.nrPartial >= s.minPartial) {
                        if (prior != 0) {
                            n.removePartialLocked(slab);
                        }
                        discardAddr = slab.addr;
                        discardOrder = slab.order;
                        discardLocked(s, slab);
                    } else if (prior == 0) {
                        n.addPartialLocked(slab, true);
                    }
                }
            }
            if (discardAddr != 0) {
                pages.freeSlab(cpu, discardAddr, discardOrder);
            }
            if (ownerCpu < 0) {
                return;
            }
            CpuSlab oc = s.cpuSlabs[ownerCpu];
            synchronized (oc) {
                synchronized (n) {
                    if (!stillHolds(s, slab, objp)) {
                        return;
                    }
                    if (slab.frozen && oc.slab == slab) {
                        if (!slab.markFree(index)) {
                            reportDoubleFree(s, slab, objp);
                            return;
                        }
                        // A CPU slab: its owner takes the list in get_freelist.
                        setFreePointer(objp + s.offset, slab.freelist);
                        slab.freelist = objp;
                        slab.inuse--;
                        return;
                    }
                }
            }
            // The slab was unfrozen, or frozen by another CPU, meanwhile: look again.
        }
    }

    /**
     * Whether {@code slab} still is the slab of {@code objp} in {@code s} (it may have been freed or reused
     * between the page-map lookup and the node lock); if not, the kernel's warning. Caller holds the node lock.
     */
    private boolean stillHolds(SlubCache s, Slab slab, long objp) {
        if (slab.cache == s && objp >= slab.addr && objp < slab.addr + ((long) slab.objects * s.size)) {
            return true;
        }
        context.log().warn("------------[ cut here ]------------");
        context.log().warn("virt_to_cache: Object is not a Slab page!");
        return false;
    }

    /** Unaccounts and unmaps a slab that is on no list; the caller frees its pages after unlocking. */
    private void discardLocked(SlubCache s, Slab slab) {
        CacheNode n = s.node;
        assert !slab.onPartial && !slab.frozen && slab.inuse == 0;
        n.nrSlabs--;
        n.totalObjects -= slab.objects;
        pages.setOwner(slab.addr, slab.order, null);
        n.recycleDescriptorLocked(slab);
    }

    // ---------------------------------------------------------------------------------------------
    // Flush, shrink, destroy

    /**
     * deactivate_slab for one CPU. Caller holds c's monitor.
     *
     * @return the pages to free as {addr, order}, or null
     */
    private long[] deactivateLocked(SlubCache s, CpuSlab c) {
        Slab slab = c.slab;
        if (slab == null) {
            return null;
        }
        long head = c.freelist;
        c.slab = null;
        c.freelist = 0;
        // Stage one: count the CPU's chain and find its tail; only this CPU links these objects.
        long tail = 0;
        int free = 0;
        for (long p = head; p != 0 && free <= slab.objects; p = getFreePointer(p + s.offset)) {
            tail = p;
            free++;
        }
        CacheNode n = s.node;
        synchronized (n) {
            if (free > slab.inuse) {
                slabBug(s, "Freechain corrupt");
                free = 0;
                tail = 0;
            }
            boolean remoteFrees = slab.freelist != 0;
            if (tail != 0) {
                setFreePointer(tail + s.offset, slab.freelist);
                slab.freelist = head;
            }
            slab.inuse -= free;
            slab.frozen = false;
            if (slab.inuse == 0 && n.nrPartial >= s.minPartial) {
                long[] discard = {slab.addr, slab.order};
                discardLocked(s, slab);
                return discard;
            } else if (slab.freelist != 0) {
                n.addPartialLocked(slab, remoteFrees);
            }
        }
        return null;
    }

    /** flush_all: deactivates every CPU's slab of the cache. */
    private void flushAll(int cpu, SlubCache s) {
        for (CpuSlab c : s.cpuSlabs) {
            long[] discard;
            synchronized (c) {
                discard = deactivateLocked(s, c);
            }
            if (discard != null) {
                pages.freeSlab(cpu, discard[0], (int) discard[1]);
            }
        }
    }

    @Override
    public void shrink(int cpu, SlabCache cache) {
        SlubCache s = slub(cache);
        if (s.destroyed) {
            throw useAfterDestroy(s, "kmem_cache_shrink");
        }
        flushAll(cpu, s);
        List<long[]> discard = new ArrayList<>();
        CacheNode n = s.node;
        synchronized (n) {
            // __kmem_cache_do_shrink: free the empty slabs, keep the rest fullest first.
            List<Slab> keep = new ArrayList<>();
            for (Slab slab = n.firstPartialLocked(); slab != null; ) {
                Slab next = slab.next;
                n.removePartialLocked(slab);
                if (slab.inuse == 0) {
                    discard.add(new long[] {slab.addr, slab.order});
                    discardLocked(s, slab);
                } else {
                    keep.add(slab);
                }
                slab = next;
            }
            keep.sort((a, b) -> Integer.compare(b.inuse, a.inuse));
            for (Slab slab : keep) {
                n.addPartialLocked(slab, true);
            }
        }
        for (long[] d : discard) {
            pages.freeSlab(cpu, d[0], (int) d[1]);
        }
    }

    @Override
    public boolean destroyCache(int cpu, SlabCache cache) {
        SlubCache s = slub(cache);
        if (s.destroyed) {
            throw useAfterDestroy(s, "kmem_cache_destroy");
        }
        // __kmem_cache_shutdown: flush, then free_partial.
        flushAll(cpu, s);
        List<long[]> discard = new ArrayList<>();
        boolean busy;
        CacheNode n = s.node;
        synchronized (n) {
            for (Slab slab = n.firstPartialLocked(); slab != null; ) {
                Slab next = slab.next;
                if (slab.inuse == 0) {
                    n.removePartialLocked(slab);
                    discard.add(new long[] {slab.addr, slab.order});
                    discardLocked(s, slab);
                } else {
                    listSlabObjectsLocked(s, slab);
                }
                slab = next;
            }
            busy = n.nrSlabs > 0;
        }
        for (long[] d : discard) {
            pages.freeSlab(cpu, d[0], (int) d[1]);
        }
        if (busy) {
            // kmem_cache_destroy (mm/slab_common.c): the cache and its busy slabs stay.
            context.log().warn("------------[ cut here ]------------");
            context.log().warn("kmem_cache_destroy " + s.name + ": Slab cache still has objects");
            return false;
        }
        s.destroyed = true;
        return true;
    }

    /** list_slab_objects: the objects of a partial slab still in use. */
    private void listSlabObjectsLocked(SlubCache s, Slab slab) {
        slabBug(s, "Objects remaining in " + s.name + " on __kmem_cache_shutdown()");
        context.log().err(slabLine(slab));
        BitSet free = new BitSet(slab.objects);
        int guard = 0;
        for (long p = slab.freelist; p != 0 && guard++ <= slab.objects; p = getFreePointer(p + s.offset)) {
            free.set((int) ((p - slab.addr) / s.size));
        }
        for (int i = free.nextClearBit(0); i < slab.objects; i = free.nextClearBit(i + 1)) {
            long p = slab.addr + (long) i * s.size;
            context.log().err("Object 0x" + Long.toHexString(p) + " @offset=" + (p - slab.addr));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    @Override
    public SlabCache cacheOf(long objp) {
        Slab slab = (Slab) pages.owner(objp);
        return slab == null ? null : slab.cache;
    }

    /**
     * get_slabinfo (mm/slub.c): objects of every slab, minus the free objects of partial slabs; objects
     * on per-CPU free lists count as active; active_slabs = num_slabs.
     */
    @Override
    public SlabInfo slabInfo(SlabCache cache) {
        SlubCache s = slub(cache);
        CacheNode n = s.node;
        long nrSlabs;
        long nrObjs;
        long nrFree;
        synchronized (n) {
            nrSlabs = n.nrSlabs;
            nrObjs = n.totalObjects;
            nrFree = n.partialFreeLocked();
        }
        return new SlabInfo(s.name, nrObjs - nrFree, nrObjs, s.size, s.objects, 1 << s.order, 0, 0, 0,
                nrSlabs, nrSlabs, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Reports (mm/slub.c slab_bug, object_err, slab_fix, slab_out_of_memory)

    private void slabBug(SlubCache s, String message) {
        String taint = tainted ? "Tainted: G    B             " : "Not tainted";
        tainted = true;
        context.log().err(EQUALS);
        context.log().err("BUG " + s.name + " (" + taint + "): " + message);
        context.log().err(DASHES);
        context.log().err("");
    }

    private static String slabLine(Slab slab) {
        return "Slab 0x" + Long.toHexString(slab.addr) + " objects=" + slab.objects + " used=" + slab.inuse
                + " fp=0x" + Long.toHexString(slab.freelist) + " flags=" + (slab.order > 0 ? "head|slab" : "slab");
    }

    private void reportDoubleFree(SlubCache s, Slab slab, long objp) {
        slabBug(s, "Object already free");
        context.log().err(slabLine(slab));
        context.log().err("Object 0x" + Long.toHexString(objp) + " @offset=" + (objp - slab.addr) + " fp=0x"
                + Long.toHexString(getFreePointer(objp + s.offset)));
        context.log().err("FIX " + s.name + ": Object at 0x" + Long.toHexString(objp) + " not freed");
    }

    private void reportInvalidPointer(SlubCache s, Slab slab, long objp) {
        slabBug(s, "Invalid object pointer 0x" + Long.toHexString(objp));
        context.log().err(slabLine(slab));
        context.log().err("FIX " + s.name + ": Object at 0x" + Long.toHexString(objp) + " not freed");
    }

    /**
     * A call on a cache kmem_cache_destroy already freed: the kernel dereferences a freed struct
     * kmem_cache (KASAN's slab-use-after-free; without it, whatever the freed memory holds). kmemu stops
     * the caller with a BUG report instead of guessing.
     */
    private KernelOopsException useAfterDestroy(SlubCache s, String function) {
        return KernelOopsException.report(context.log(), KernelOopsException.bugLines("mm/slub.c", function,
                function + "(" + s.name + "): the cache was destroyed (kmem_cache_destroy freed its struct kmem_cache)"));
    }

    private void reportOutOfMemory(SlubCache s, int gfp) {
        long slabs;
        long objs;
        long free;
        synchronized (s.node) {
            slabs = s.node.nrSlabs;
            objs = s.node.totalObjects;
            free = s.node.partialFreeLocked();
        }
        context.log().warn("SLUB: Unable to allocate memory on node -1, gfp=0x" + Integer.toHexString(gfp) + "("
                + Gfp.format(gfp) + ")");
        context.log().warn("  cache: " + s.name + ", object size: " + s.objectSize + ", buffer size: " + s.size
                + ", default order: " + s.order + ", min order: " + s.minOrder);
        context.log().warn("  node 0: slabs: " + slabs + ", objs: " + objs + ", free: " + free);
    }

    /** get_freepointer(): the next free object's address, stored in the object in the machine's word size. */
    private long getFreePointer(long at) {
        return pointerBytes == 8 ? memory.readLong(at) : memory.readInt(at) & 0xffffffffL;
    }

    /** set_freepointer(). */
    private void setFreePointer(long at, long next) {
        if (pointerBytes == 8) {
            memory.writeLong(at, next);
        } else {
            memory.writeInt(at, (int) next);
        }
    }
}
