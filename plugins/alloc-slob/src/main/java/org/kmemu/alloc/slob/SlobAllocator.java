package org.kmemu.alloc.slob;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelMemory;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.SlabInfo;
import org.kmemu.api.SlabPages;

/**
 * SLOB's kmem_cache front end (mm/slob.c, Linux 6.3: {@code slob_alloc_node}, {@code kmem_cache_free},
 * {@code __do_kmalloc_node}) over the shared {@link SlobHeap}.
 *
 * <ul>
 *   <li>A cache is a size, an alignment and a constructor. Objects smaller than PAGE_SIZE are heap
 *       blocks of SLOB_UNITS(size) units aligned to {@code c->align} (calculate_alignment of
 *       mm/slab_common.c: at least ARCH_SLAB_MINALIGN = 8; SLAB_HWCACHE_ALIGN halves the cache line
 *       while the object fits in half). Larger objects are pages of get_order(size) straight from the
 *       page allocator ({@code slob_new_pages}).</li>
 *   <li>kmalloc has no size classes ({@link #kmalloc}, __do_kmalloc_node): each object is preceded by an
 *       ARCH_KMALLOC_MINALIGN (8) byte header holding the size asked, the block of size + 8 bytes is
 *       aligned so that the object is (align_offset = 8), and power-of-two sizes are aligned to their
 *       size (since 5.4). A kmalloc of PAGE_SIZE - 8 bytes or more goes to the page allocator, which the
 *       core does as kmalloc_large ({@link SlobPolicy#kmallocSizes}). These rules, and the bytes_alloc
 *       of size + 8 the kmalloc event reports, are those of 3.x as well. kmalloc objects belong to one
 *       pseudo-cache, "kmalloc", which {@link #cacheOf} names so that kfree finds its way back here.</li>
 *   <li>The constructor runs on every allocation, after the lock is dropped: SLOB has no slabs of
 *       objects to construct once.</li>
 *   <li>ksize is SLOB_UNITS(size) * SLOB_UNIT of the size in a kmalloc object's header, as SLOB's
 *       __ksize returns; a cache's {@link SlabCache#slotSize} is SLOB_UNITS(c->size) * SLOB_UNIT, or
 *       PAGE_SIZE &lt;&lt; order for objects from the page allocator (what kmem_cache_alloc reports).</li>
 *   <li>The object's cache: real SLOB stored nothing for kmem_cache objects (the caller names the cache)
 *       and only the size for kmalloc. kmemu's kfree asks {@link #cacheOf}, and SLOB pages are shared,
 *       so each heap page carries a record of the cache of every live object (see {@link SlobPage}).
 *       The record also lets a free naming the wrong cache be reported as cache_from_obj does
 *       (mm/slab.h) and go to the right size, which SLOB's own kmem_cache_free never checked.</li>
 *   <li>kmem_cache_shrink does nothing (SLOB's __kmem_cache_shrink returns 0): pages go back as soon as
 *       they are entirely free. kmem_cache_destroy succeeds when no object of the cache is in use.</li>
 * </ul>
 *
 * <p>Locking: one lock, the heap's monitor, is SLOB's {@code slob_lock}; it guards the heap, the slab
 * owners it records through {@code SlabPages.setOwner}, the records and the counters. The page allocator, constructors and the log are called
 * without it. CPU numbers are ignored: SLOB has no per-CPU state.
 */
final class SlobAllocator implements SlabAllocator {
    /** ARCH_SLAB_MINALIGN and ARCH_KMALLOC_MINALIGN: __alignof__(unsigned long long). */
    static final int ARCH_SLAB_MINALIGN = 8;
    static final int ARCH_KMALLOC_MINALIGN = 8;
    /** Bit of a {@link SlobPage#owner} record: the object is in use (clear: the last object there). */
    static final char LIVE = 0x8000;
    /** MAX_ORDER of the default 6.x configuration: the biggest object is PAGE_SIZE &lt;&lt; 10. */
    static final int MAX_PAGE_ORDER = 10;

    private final SlabContext context;
    private final SlabPages pages;
    private final KernelMemory memory;
    private final int pageShift;
    private final SlobUnits slob;
    private final SlobHeap heap;
    private final ArrayDeque<SlobPage> spareBig = new ArrayDeque<>();
    private SlobCache[] caches = new SlobCache[16];
    private int nextId;
    /** The pseudo-cache of every kmalloc object (size 0: each object's size is in its header). */
    private final SlobCache kmallocHeap;

    SlobAllocator(SlabContext context, SlobOptions options) {
        this.context = context;
        this.pages = context.pages();
        this.memory = context.memory();
        this.pageShift = context.pageShift();
        this.slob = new SlobUnits(memory, pageShift);
        this.heap = new SlobHeap(slob, pages, options.keepEmptyPage());
        this.kmallocHeap = new SlobCache("kmalloc", 0, ARCH_KMALLOC_MINALIGN, SlabFlags.SLAB_KMALLOC, null, nextId++,
                ARCH_KMALLOC_MINALIGN, false, 0, 0);
        caches[kmallocHeap.id] = kmallocHeap;
    }

    // ---------------------------------------------------------------------------------------------
    // Caches

    @Override
    public SlabCache createCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor) {
        // The core checked name and alignment (SlabAllocator#createCache); the size limit is SLOB's own.
        int pageSize = 1 << pageShift;
        if (objectSize > pageSize << MAX_PAGE_ORDER) {
            return null; // no page-allocator order holds it: kmem_cache_create fails
        }
        // kmalloc has no caches under SLOB (see kmalloc); a cache is a kmem_cache whatever its flags.
        boolean big = objectSize >= pageSize;
        int order = big ? getOrder(objectSize) : 0;
        int blockAlign = calculateAlignment(flags, align, objectSize);
        int slotSize = big ? pageSize << order : slob.unitsOf(objectSize) * slob.unit;
        synchronized (heap) {
            // Ids are never reused: a free block's record may still name a destroyed cache.
            int id = nextId;
            if (id >= LIVE - 1) {
                return null; // kmemu's limit on caches ever created (owner records are 15 bits): -ENOMEM
            }
            nextId++;
            if (id >= caches.length) {
                caches = Arrays.copyOf(caches, caches.length * 2);
            }
            SlobCache c = new SlobCache(name, objectSize, blockAlign, flags, ctor, id, 0, big, order, slotSize);
            caches[id] = c;
            return c;
        }
    }

    /** calculate_alignment (mm/slab_common.c). */
    private int calculateAlignment(int flags, int align, int size) {
        if ((flags & SlabFlags.SLAB_HWCACHE_ALIGN) != 0) {
            int ralign = context.cacheLineBytes();
            while (size <= ralign / 2) {
                ralign /= 2;
            }
            align = Math.max(align, ralign);
        }
        return Math.max(align, ARCH_SLAB_MINALIGN);
    }

    private int getOrder(long bytes) {
        int order = 0;
        while ((1L << (pageShift + order)) < bytes) {
            order++;
        }
        return order;
    }

    @Override
    public boolean destroyCache(int cpu, SlabCache cache) {
        SlobCache s = slob(cache);
        if (s.destroyed) {
            throw useAfterDestroy(s, "kmem_cache_destroy");
        }
        long inuse;
        long page;
        synchronized (heap) {
            inuse = s.inuse;
            if (inuse == 0) {
                s.destroyed = true;
                caches[s.id] = null;
            }
            page = heap.releaseKeptLocked();
        }
        if (page != 0) {
            pages.freeSlab(cpu, page, 0);
        }
        if (inuse == 0) {
            return true;
        }
        // SLOB's __kmem_cache_shutdown never failed; kmemu reports the leak in slab_common's words.
        context.log().err("Objects remaining in " + s.name + " on __kmem_cache_shutdown(): " + inuse + " in use");
        context.log().warn("------------[ cut here ]------------");
        context.log().warn("kmem_cache_destroy " + s.name + ": Slab cache still has objects");
        return false;
    }

    @Override
    public void shrink(int cpu, SlabCache cache) {
        // SLOB's __kmem_cache_shrink did nothing: it kept no empty pages. Only kmemu's kept page goes.
        SlobCache s = slob(cache);
        if (s.destroyed) {
            throw useAfterDestroy(s, "kmem_cache_shrink");
        }
        long page;
        synchronized (heap) {
            page = heap.releaseKeptLocked();
        }
        if (page != 0) {
            pages.freeSlab(cpu, page, 0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Allocation

    @Override
    public long alloc(int cpu, SlabCache cache, int gfp) {
        SlobCache s = slob(cache);
        if (s.destroyed) {
            throw useAfterDestroy(s, "kmem_cache_alloc");
        }
        int pageGfp = gfp & ~(Gfp.__GFP_ZERO | Gfp.__GFP_HIGHMEM);
        long obj = s.big ? allocBig(cpu, s, pageGfp) : allocSmall(cpu, s, s.size, s.align, pageGfp);
        if (obj != 0 && s.ctor != null) {
            s.ctor.construct(obj);
        }
        return obj;
    }

    /**
     * __do_kmalloc_node for requests below PAGE_SIZE - ARCH_KMALLOC_MINALIGN (the core sends larger ones
     * to the page allocator): a block of size + 8 bytes, the size in its first word, the object after it.
     */
    @Override
    public long kmalloc(int cpu, int size, int gfp) {
        if (size < 1 || size >= (1 << pageShift) - ARCH_KMALLOC_MINALIGN) {
            throw new IllegalArgumentException("kmalloc: size " + size + " (expected: 1 to PAGE_SIZE - "
                    + (ARCH_KMALLOC_MINALIGN + 1) + "; larger is kmalloc_large)");
        }
        // minalign, or the size itself when it is a power of two (5.4+).
        int align = Integer.bitCount(size) == 1 ? Math.max(ARCH_KMALLOC_MINALIGN, size) : ARCH_KMALLOC_MINALIGN;
        return allocSmall(cpu, kmallocHeap, size, align, gfp & ~(Gfp.__GFP_ZERO | Gfp.__GFP_HIGHMEM));
    }

    /** slob_alloc for an object of {@code size} bytes (plus the cache's header). */
    private long allocSmall(int cpu, SlobCache s, int size, int align, int pageGfp) {
        int bytes = size + s.header;
        synchronized (heap) {
            long b = heap.allocLocked(bytes, align, s.header);
            if (b != 0) {
                return recordLocked(s, b, size);
            }
        }
        long page = pages.allocSlab(cpu, pageGfp, 0, s);
        if (page == 0) {
            return 0;
        }
        synchronized (heap) {
            return recordLocked(s, heap.newPageLocked(page, bytes, align, s.header), size);
        }
    }

    /** Writes the kmalloc header and the owner record. @return the object */
    private long recordLocked(SlobCache s, long b, int size) {
        if (s.header != 0) {
            memory.writeInt(b, size);
        }
        long obj = b + s.header;
        SlobPage sp = (SlobPage) pages.owner(obj);
        int u = (int) ((obj - sp.addr) / slob.unit);
        // Records of earlier objects inside the new block would mislead cacheOf's backward scan.
        Arrays.fill(sp.owner, (int) ((b - sp.addr) / slob.unit), Math.min(u + slob.unitsOf(size), slob.pageUnits),
                (char) 0);
        sp.owner[u] = (char) (LIVE | (s.id + 1));
        s.inuse++;
        return obj;
    }

    /** slob_new_pages for an object of PAGE_SIZE or more. */
    private long allocBig(int cpu, SlobCache s, int pageGfp) {
        long addr = pages.allocSlab(cpu, s.order > 0 ? pageGfp | Gfp.__GFP_COMP : pageGfp, s.order, s);
        if (addr == 0) {
            return 0;
        }
        synchronized (heap) {
            SlobPage sp = spareBig.isEmpty() ? new SlobPage(0) : spareBig.pop();
            sp.addr = addr;
            sp.order = s.order;
            sp.big = s;
            pages.setOwner(addr, s.order, sp);
            s.inuse++;
        }
        return addr;
    }

    // ---------------------------------------------------------------------------------------------
    // Free

    @Override
    public void free(int cpu, SlabCache cache, long objp) {
        SlobCache s = slob(cache);
        SlobCache owner;
        long page = 0;
        int order = 0;
        synchronized (heap) {
            SlobPage sp = (SlobPage) pages.owner(objp);
            owner = sp == null ? null : sp.big != null ? bigOwnerLocked(sp, objp) : smallOwnerLocked(sp, objp);
            if (owner != null) {
                owner.inuse--;
                if (sp.big != null) {
                    pages.setOwner(sp.addr, sp.order, null);
                    page = sp.addr;
                    order = sp.order;
                    sp.big = null;
                    spareBig.push(sp);
                } else {
                    sp.owner[(int) ((objp - sp.addr) / slob.unit)] &= ~LIVE;
                    page = heap.freeLocked(objp - owner.header, sizeOfLocked(owner, objp) + owner.header);
                }
            }
        }
        if (owner == null) {
            reportBadFree(s, objp);
            return;
        }
        // mm/slab.h cache_from_obj (SLOB's own kmem_cache_free never checked)
        if (owner != s) {
            context.log().warn("------------[ cut here ]------------");
            context.log().warn("cache_from_obj: Wrong slab cache. " + s.name + " but object is from " + owner.name);
        }
        if (page != 0) {
            pages.freeSlab(cpu, page, order);
        }
    }

    /** @return the bytes of the object at {@code obj}: the cache's size, or a kmalloc header's */
    private int sizeOfLocked(SlobCache c, long obj) {
        return c == kmallocHeap ? memory.readInt(obj - c.header) : c.size;
    }

    private static SlobCache bigOwnerLocked(SlobPage sp, long objp) {
        return objp == sp.addr ? sp.big : null;
    }

    /** @return the cache of the live object starting at {@code objp}, or null if none starts there */
    private SlobCache smallOwnerLocked(SlobPage sp, long objp) {
        long off = objp - sp.addr;
        if (off % slob.unit != 0) {
            return null;
        }
        int rec = sp.owner[(int) (off / slob.unit)];
        return (rec & LIVE) == 0 ? null : caches[(rec & ~LIVE) - 1];
    }

    /**
     * A free of something that is no live object. SLOB had no checks: it would have linked the block
     * into its free list and corrupted the heap. kmemu reports it in SLUB's words for the same fault
     * (a freed object's start still carries its record: "Object already free"; anything else is an
     * invalid pointer) and leaves the heap alone.
     */
    private void reportBadFree(SlobCache s, long objp) {
        boolean slabPage;
        boolean wasObject = false;
        synchronized (heap) {
            SlobPage sp = (SlobPage) pages.owner(objp);
            slabPage = sp != null;
            if (slabPage && sp.big == null && (objp - sp.addr) % slob.unit == 0) {
                wasObject = sp.owner[(int) ((objp - sp.addr) / slob.unit)] != 0;
            }
        }
        context.log().warn("------------[ cut here ]------------");
        if (!slabPage) {
            context.log().warn("virt_to_cache: Object is not a Slab page!");
        } else if (wasObject) {
            context.log().err("SLOB: double free of 0x" + Long.toHexString(objp) + " in " + s.name
                    + ": Object already free (not freed again)");
        } else {
            context.log().err("SLOB: invalid pointer 0x" + Long.toHexString(objp) + " freed to " + s.name
                    + ": no object starts there (not freed)");
        }
    }

    /** A call on a destroyed cache: the kernel would use a freed struct kmem_cache; kmemu stops the caller. */
    private KernelOopsException useAfterDestroy(SlobCache s, String function) {
        return KernelOopsException.report(context.log(), KernelOopsException.bugLines("mm/slob.c", function,
                function + "(" + s.name + "): the cache was destroyed (kmem_cache_destroy freed its struct kmem_cache)"));
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    @Override
    public SlabCache cacheOf(long objp) {
        synchronized (heap) {
            SlobPage sp = (SlobPage) pages.owner(objp);
            if (sp == null) {
                return null;
            }
            if (sp.big != null) {
                return sp.big;
            }
            // The nearest object start at or below objp, if that object reaches objp. A freed object's
            // record still names its cache, as a SLUB slab still belongs to its cache after a free.
            for (int u = (int) ((objp - sp.addr) / slob.unit); u >= 0; u--) {
                int rec = sp.owner[u];
                if (rec != 0) {
                    SlobCache c = caches[(rec & ~LIVE) - 1];
                    long start = sp.addr + (long) u * slob.unit;
                    return c != null && objp < start + sizeOfLocked(c, start) ? c : null;
                }
            }
            return null;
        }
    }

    /**
     * SLOB had no /proc/slabinfo. kmemu reports what it can count honestly: objects in use (active =
     * total, SLOB keeps no free objects per cache), the unit-rounded block size, how many such blocks
     * a page could hold, and as slabs the heap pages that hold at least one of the cache's objects
     * (a page shared by several caches counts for each) or, for big objects, one per object.
     */
    @Override
    public SlabInfo slabInfo(SlabCache cache) {
        SlobCache s = slob(cache);
        synchronized (heap) {
            if (s.big) {
                return new SlabInfo(s.name, s.inuse, s.inuse, s.slotSize, 1, 1 << s.order, 0, 0, 0,
                        s.inuse, s.inuse, 0);
            }
            long pagesHolding = 0;
            if (s.inuse > 0) {
                char mark = (char) (LIVE | (s.id + 1));
                for (SlobPage sp : heap.heapPages) {
                    for (char o : sp.owner) {
                        if (o == mark) {
                            pagesHolding++;
                            break;
                        }
                    }
                }
            }
            int blockBytes = slob.unitsOf(s.size + s.header) * slob.unit;
            return new SlabInfo(s.name, s.inuse, s.inuse, s.slotSize, (1 << pageShift) / blockBytes, 1, 0, 0, 0,
                    pagesHolding, pagesHolding, 0);
        }
    }

    /** SLOB's __ksize: SLOB_UNITS of a kmalloc header's size, in bytes; a cache object's slot size. */
    @Override
    public long ksize(long objp) {
        SlabCache c = cacheOf(objp);
        if (c == kmallocHeap) {
            synchronized (heap) {
                return (long) slob.unitsOf(sizeOfLocked(kmallocHeap, objp)) * slob.unit;
            }
        }
        return c == null ? 0 : c.slotSize();
    }

    /** @return the heap, for tests */
    SlobHeap heap() {
        return heap;
    }

    private static SlobCache slob(SlabCache cache) {
        if (!(cache instanceof SlobCache s)) {
            throw new IllegalArgumentException("cache: " + cache + " (expected: a cache made by this SLOB allocator)");
        }
        return s;
    }
}
