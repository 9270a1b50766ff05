package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * One CPU's thread in {@link MultiCpuStressTest}: random operations over every kernel service from its
 * own seed, each allocation tagged and kept as a {@link StressItem}, checked before it is freed.
 */
final class StressWorker {
    final Machine m;
    final Kernel k;
    final Cpu cpu;
    final Random rnd;
    final SlabCache shared;
    final Queue<StressItem> handedOff;
    final List<StressItem> live = new ArrayList<>();
    final List<SlabCache> own = new ArrayList<>();
    final long pageSize;
    /** Operations to run. */
    final int ops;
    /** Live items held at most before freeing instead of allocating. */
    final int maxLive;
    long serial;
    int done;

    StressWorker(Machine m, Cpu cpu, Random rnd, SlabCache shared, Queue<StressItem> handedOff, int ops, int maxLive) {
        this.ops = ops;
        this.maxLive = maxLive;
        this.m = m;
        this.k = m.kernel();
        this.cpu = cpu;
        this.rnd = rnd;
        this.shared = shared;
        this.handedOff = handedOff;
        this.pageSize = k.vmalloc().pageSize();
    }

    /** A fresh tag: the CPU in the top byte, a serial number below, room for a page index. */
    long nextTag() {
        serial += 1 << 12;
        return ((long) (cpu.id() + 1) << 56) | serial;
    }

    void run() {
        for (int i = 0; i < 2; i++) {
            int size = 16 + rnd.nextInt(500);
            own.add(k.slab().kmemCacheCreate("stress_cpu" + cpu.id() + "_" + i + "_" + size, size, 0, 0, null));
        }
        for (done = 0; done < ops; done++) {
            step();
        }
        while (!live.isEmpty()) {
            freeOne(live.size() - 1);
        }
        StressItem it;
        while ((it = handedOff.poll()) != null) {
            it.check(cpu, k);
            it.free(cpu, k);
        }
        for (SlabCache c : own) {
            assertThat(k.slab().kmemCacheDestroy(cpu, c)).as("%s is empty", c.name()).isTrue();
        }
    }

    void step() {
        int op = rnd.nextInt(100);
        if (live.size() >= maxLive && op < 85) {
            freeOne(rnd.nextInt(live.size()));
            return;
        }
        if (op < 22) {
            kmalloc();
        } else if (op < 28) {
            krealloc();
        } else if (op < 42) {
            if (!live.isEmpty()) {
                freeOne(rnd.nextInt(live.size()));
            }
        } else if (op < 52) {
            cacheAlloc();
        } else if (op < 60) {
            allocPages();
        } else if (op < 65) {
            getFreePages();
        } else if (op < 71) {
            vmalloc();
        } else if (op < 75) {
            vmap();
        } else if (op < 79) {
            kmap();
        } else if (op < 86) {
            handOff();
        } else if (op < 93) {
            StressItem it = handedOff.poll();
            if (it != null) {
                it.check(cpu, k);
                it.free(cpu, k);
            }
        } else if (!live.isEmpty()) {
            live.get(rnd.nextInt(live.size())).check(cpu, k);
        }
    }

    void keep(StressItem it) {
        it.tag(cpu, k, nextTag());
        live.add(it);
    }

    void freeOne(int index) {
        StressItem it = live.remove(index);
        it.check(cpu, k);
        it.free(cpu, k);
    }

    void kmalloc() {
        long size = rnd.nextInt(25) == 0 ? 5000 + rnd.nextInt(30000) : 8 + rnd.nextInt(rnd.nextBoolean() ? 120 : 1500);
        boolean zero = rnd.nextInt(4) == 0;
        long p = zero ? k.slab().kzalloc(cpu, size, Gfp.GFP_KERNEL, "stress")
                : k.slab().kmalloc(cpu, size, Gfp.GFP_KERNEL, "stress");
        assertThat(p).as("kmalloc(%d)", size).isNotZero();
        if (zero) {
            assertThat(cpu.load64(p) | cpu.load64(StressItem.lastWord(p, size))).as("kzalloc(%d) is zeroed", size).isZero();
        }
        StressItem it = new StressItem(StressItem.KMALLOC);
        it.addr = p;
        it.size = size;
        keep(it);
    }

    void krealloc() {
        StressItem it = pick(StressItem.KMALLOC);
        if (it == null) {
            return;
        }
        it.check(cpu, k);
        long size = 8 + rnd.nextInt(rnd.nextInt(10) == 0 ? 9000 : 700);
        long q = k.slab().krealloc(cpu, it.addr, size, Gfp.GFP_KERNEL, "stress");
        assertThat(q).as("krealloc(%d)", size).isNotZero();
        assertThat(cpu.load64(q)).as("krealloc keeps the contents").isEqualTo(it.tag);
        it.addr = q;
        it.size = size;
        it.tag(cpu, k, nextTag());
    }

    void cacheAlloc() {
        SlabCache c = rnd.nextBoolean() ? shared : own.get(rnd.nextInt(own.size()));
        long p = k.slab().kmemCacheAlloc(cpu, c, rnd.nextInt(5) == 0 ? Gfp.GFP_KERNEL | Gfp.__GFP_ZERO : Gfp.GFP_KERNEL,
                "stress");
        assertThat(p).as("kmem_cache_alloc(%s)", c.name()).isNotZero();
        StressItem it = new StressItem(StressItem.CACHE_OBJ);
        it.addr = p;
        it.size = c.objectSize();
        it.cache = c;
        keep(it);
    }

    void allocPages() {
        int order = rnd.nextInt(8) == 0 ? 1 + rnd.nextInt(3) : 0;
        int gfp = rnd.nextBoolean() ? Gfp.GFP_HIGHUSER : Gfp.GFP_KERNEL;
        long pfn = k.pages().allocPages(cpu, gfp, order);
        assertThat(pfn).as("alloc_pages(order %d)", order).isNotEqualTo(PageAllocator.NO_PFN);
        StressItem it = new StressItem(StressItem.PAGES);
        it.addr = pfn;
        it.order = order;
        it.size = pageSize << order;
        keep(it);
    }

    void getFreePages() {
        int order = rnd.nextInt(3);
        long v = k.pages().getFreePages(cpu, Gfp.GFP_KERNEL, order);
        assertThat(v).as("__get_free_pages(order %d)", order).isNotZero();
        StressItem it = new StressItem(StressItem.FREE_PAGES);
        it.addr = v;
        it.order = order;
        it.size = pageSize << order;
        keep(it);
    }

    void vmalloc() {
        // Large enough that the areas reach new page tables often; now and then one whose page
        // array is itself vmalloc'ed (more than a page of pointers).
        long pages = rnd.nextInt(40) == 0 ? 1100 : 1 + rnd.nextInt(64);
        boolean zero = rnd.nextBoolean();
        long v = zero ? k.vmalloc().vzalloc(cpu, pages * pageSize, "stress")
                : k.vmalloc().vmalloc(cpu, pages * pageSize, "stress");
        assertThat(v).as("vmalloc(%d pages)", pages).isNotZero();
        if (zero) {
            assertThat(cpu.load64(v + pages * pageSize - 8)).as("vzalloc is zeroed").isZero();
        }
        StressItem it = new StressItem(StressItem.VMALLOC);
        it.addr = v;
        it.size = pages * pageSize;
        keep(it);
    }

    void vmap() {
        int n = 1 + rnd.nextInt(4);
        long[] pfns = new long[n];
        for (int i = 0; i < n; i++) {
            pfns[i] = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
            assertThat(pfns[i]).isNotEqualTo(PageAllocator.NO_PFN);
        }
        long v = k.vmalloc().vmap(cpu, pfns, n, "stress");
        assertThat(v).as("vmap(%d pages)", n).isNotZero();
        StressItem it = new StressItem(StressItem.VMAP);
        it.addr = v;
        it.size = n * pageSize;
        it.pfns = pfns;
        keep(it);
    }

    void kmap() {
        long pfn = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
        StressItem it = new StressItem(StressItem.KMAP);
        it.addr = k.highmem().kmap(cpu, pfn);
        it.size = pageSize;
        it.pfns = new long[] {pfn};
        keep(it);
    }

    /** Gives a kmalloc'ed or shared-cache object to whichever CPU frees it (a cross-CPU free). */
    void handOff() {
        for (int i = live.size() - 1; i >= 0; i--) {
            StressItem it = live.get(i);
            if (it.kind == StressItem.KMALLOC || (it.kind == StressItem.CACHE_OBJ && it.cache == shared)) {
                live.remove(i);
                it.check(cpu, k);
                handedOff.add(it);
                return;
            }
        }
    }

    StressItem pick(int kind) {
        int n = live.size();
        if (n == 0) {
            return null;
        }
        int start = rnd.nextInt(n);
        for (int i = 0; i < n; i++) {
            StressItem it = live.get((start + i) % n);
            if (it.kind == kind) {
                return it;
            }
        }
        return null;
    }
}
