package org.kmemu.core.testing;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.kmemu.api.Gfp;
import org.kmemu.api.KmallocSizes;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.ObjectConstructor;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.SlabInfo;

/**
 * A deliberately plain object-allocator policy for core tests (core may not depend on the SLUB plugin):
 * slabs of the smallest order that holds one object, objects carved in order, free objects kept in
 * Java deques rather than in RAM. Correct, not clever: it lets the core's slab layer be tested on its
 * own. By default its kmalloc table is the kernel's ({@link KmallocSizes#slabCommon}); a test can give
 * it another, and with a table without caches its {@link SlabAllocator#kmalloc} takes each request plus
 * the table's header, rounded to 8, from a cache of that slot size.
 */
public class SimpleSlabPolicy implements ObjectAllocatorPolicy {
    private final Function<SlabContext, KmallocSizes> table;
    private final boolean slabinfo;

    /** The kernel's kmalloc table, and /proc/slabinfo. */
    public SimpleSlabPolicy() {
        this(null, true);
    }

    /**
     * @param table    the kmalloc table for a machine, or null for the default
     * @param slabinfo whether the kernel has /proc/slabinfo
     */
    public SimpleSlabPolicy(Function<SlabContext, KmallocSizes> table, boolean slabinfo) {
        this.table = table;
        this.slabinfo = slabinfo;
    }

    @Override
    public KmallocSizes kmallocSizes(SlabContext context) {
        return table == null ? ObjectAllocatorPolicy.super.kmallocSizes(context) : table.apply(context);
    }

    @Override
    public boolean procSlabinfo() {
        return slabinfo;
    }

    @Override
    public String id() {
        return "simple";
    }

    @Override
    public String description() {
        return "test double: one free deque per slab";
    }

    @Override
    public SlabAllocator create(SlabContext context) {
        return new Allocator(context, kmallocSizes(context).header());
    }

    private record Cache(String name, int objectSize, int slotSize, int flags, int order, ObjectConstructor ctor)
            implements SlabCache {
    }

    private static final class Slab {
        final Cache cache;
        final long start;
        final ArrayDeque<Long> free = new ArrayDeque<>();
        final int objects;

        Slab(Cache cache, long start, int objects) {
            this.cache = cache;
            this.start = start;
            this.objects = objects;
        }
    }

    private static final class Allocator implements SlabAllocator {
        private final SlabContext ctx;
        private final int header;
        private final TreeMap<Long, Slab> slabs = new TreeMap<>();
        private final Map<Integer, SlabCache> kmallocBySlot = new HashMap<>();

        Allocator(SlabContext ctx, int header) {
            this.ctx = ctx;
            this.header = header;
        }

        @Override
        public synchronized long kmalloc(int cpu, int size, int gfp) {
            int slot = (size + header + 7) & -8;
            SlabCache c = kmallocBySlot.computeIfAbsent(slot, s -> createCache("kmalloc-heap-" + s, s, 0, 0, null));
            return alloc(cpu, c, gfp);
        }

        @Override
        public synchronized SlabCache createCache(String name, int objectSize, int align, int flags, ObjectConstructor ctor) {
            int a = Math.max(8, align);
            if ((flags & SlabFlags.SLAB_HWCACHE_ALIGN) != 0) {
                a = Math.max(a, ctx.cacheLineBytes());
            }
            int slot = (objectSize + a - 1) & -a;
            int order = 0;
            while ((1L << (ctx.pageShift() + order)) < slot) {
                order++;
            }
            return new Cache(name, objectSize, slot, flags, order, ctor);
        }

        @Override
        public synchronized long alloc(int cpu, SlabCache cache, int gfp) {
            Cache c = (Cache) cache;
            for (Slab s : slabs.values()) {
                if (s.cache == c && !s.free.isEmpty()) {
                    return s.free.pop();
                }
            }
            int slabGfp = gfp | ((c.flags & SlabFlags.SLAB_CACHE_DMA) != 0 ? Gfp.__GFP_DMA : 0);
            long start = ctx.pages().allocSlab(cpu, slabGfp & ~Gfp.__GFP_HIGHMEM, c.order, c);
            if (start == 0) {
                return 0;
            }
            int n = (int) ((1L << (ctx.pageShift() + c.order)) / c.slotSize);
            Slab s = new Slab(c, start, n);
            for (int i = 0; i < n; i++) {
                long obj = start + (long) i * c.slotSize;
                if (c.ctor != null) {
                    c.ctor.construct(obj);
                }
                s.free.add(obj);
            }
            slabs.put(start, s);
            return s.free.pop();
        }

        @Override
        public synchronized void free(int cpu, SlabCache cache, long objp) {
            Slab s = slabOf(objp);
            if (s == null) {
                ctx.log().err("virt_to_cache: Object is not a Slab page!");
                return;
            }
            if (s.cache != cache) {
                ctx.log().err("cache_from_obj: Wrong slab cache. " + cache.name() + " but object is from " + s.cache.name);
            }
            if (s.free.contains(objp)) {
                ctx.log().err("double free of " + Long.toHexString(objp) + " in " + cache.name());
                return;
            }
            s.free.push(objp);
        }

        private Slab slabOf(long objp) {
            Map.Entry<Long, Slab> e = slabs.floorEntry(objp);
            if (e == null) {
                return null;
            }
            Slab s = e.getValue();
            return objp < s.start + (1L << (ctx.pageShift() + s.cache.order)) ? s : null;
        }

        @Override
        public synchronized SlabCache cacheOf(long objp) {
            Slab s = slabOf(objp);
            return s == null ? null : s.cache;
        }

        @Override
        public synchronized boolean destroyCache(int cpu, SlabCache cache) {
            shrink(cpu, cache);
            boolean empty = slabs.values().stream().noneMatch(s -> s.cache == cache);
            if (!empty) {
                ctx.log().err("Objects remaining in " + cache.name() + " on __kmem_cache_shutdown()");
            }
            return empty;
        }

        @Override
        public synchronized void shrink(int cpu, SlabCache cache) {
            slabs.values().removeIf(s -> {
                if (s.cache == cache && s.free.size() == s.objects) {
                    ctx.pages().freeSlab(cpu, s.start, s.cache.order);
                    return true;
                }
                return false;
            });
        }

        @Override
        public synchronized SlabInfo slabInfo(SlabCache cache) {
            Cache c = (Cache) cache;
            long num = 0;
            long active = 0;
            long nrSlabs = 0;
            long activeSlabs = 0;
            for (Slab s : slabs.values()) {
                if (s.cache == c) {
                    nrSlabs++;
                    num += s.objects;
                    active += s.objects - s.free.size();
                    activeSlabs += s.free.size() < s.objects ? 1 : 0;
                }
            }
            int perSlab = (int) ((1L << (ctx.pageShift() + c.order)) / c.slotSize);
            return new SlabInfo(c.name, active, num, c.slotSize, perSlab, 1 << c.order, 0, 0, 0, activeSlabs, nrSlabs, 0);
        }
    }
}
