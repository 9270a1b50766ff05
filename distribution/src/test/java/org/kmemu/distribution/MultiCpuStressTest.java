package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PerCpuAccessException;
import org.kmemu.api.SlabCache;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * N threads as N CPUs (N = 2 and 4) doing random work over every kernel service at once, on every
 * shipped architecture with every object-allocator policy, through the real plugin jars.
 *
 * <p>Each thread is one CPU and passes only its own {@link Cpu}. Every page and object it holds is
 * tagged with its owner (CPU and serial number) by stores through that CPU's MMU, and the tag is
 * checked before the thing is freed (and at random in between), so two CPUs handed the same page or
 * object, or a page-table page reused while still in use, show up as a foreign tag. Objects are also
 * handed to other CPUs to free, as kernel code frees what another CPU allocated. Afterwards every page
 * must be back: caches shrunk, lazy vmalloc areas purged, per-CPU lists drained, allowing for the
 * page-table pages vmalloc made, which the kernel keeps.
 *
 * <p>Each thread draws its operations from its own seed, printed with any failure, so a failing
 * thread's sequence can be run again ({@code -Dkmemu.stress.seed=}); the interleaving is the
 * scheduler's. CI runs one short round per machine. A longer run:
 * {@code mvn -B -ntp -o -pl distribution -am verify -Dtest=MultiCpuStressTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dkmemu.stress.rounds=20 -Dkmemu.stress.ops=20000}.
 */
class MultiCpuStressTest {
    /** Rounds per machine, each on a freshly booted machine. */
    private static final int ROUNDS = Integer.getInteger("kmemu.stress.rounds", 1);
    /** Operations per CPU and round. */
    private static final int OPS = Integer.getInteger("kmemu.stress.ops", 1200);
    /** The base seed; each round and CPU derives its own from it. */
    private static final long SEED = Long.getLong("kmemu.stress.seed", 0x6b6d656d75L);
    /** Live items a CPU holds at most before it frees instead of allocating. */
    private static final int MAX_LIVE = 160;

    static Stream<Arguments> machines() {
        List<Arguments> out = new ArrayList<>();
        for (String config : new String[] {"x86_64", "i386-highmem", "i386-pae", "booke-e500"}) {
            for (String policy : new String[] {"slub", "slab", "slob"}) {
                for (int cpus : new int[] {2, 4}) {
                    out.add(Arguments.of(config, policy, cpus));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} CPUs")
    @MethodSource("machines")
    void cpusNeverShareAPageAndEveryPageComesBack(String config, String policy, int cpus) throws InterruptedException {
        for (int round = 0; round < ROUNDS; round++) {
            long seed = SEED ^ ((long) (config + "/" + policy).hashCode() << 20) ^ ((long) cpus << 8) ^ round;
            runRound(config, policy, cpus, seed);
        }
    }

    /**
     * The debug tier through the real plugin jars: a call that names CPU 1 from a thread that is not
     * CPU 1's, while CPU 1's thread lives, is refused by the plugin that owns the structure, with the
     * report in the kernel log, before anything is touched.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"slub", "slab"})
    void usingAnotherLiveThreadsCpuIsReportedByThePluginThatOwnsTheStructure(String policy) throws InterruptedException {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/x86_64.conf"),
                Map.of("kmemu.machine.object-allocator", policy), Launcher.DIST.resolve("plugins"));
        Kernel k = m.kernel();
        Cpu cpu1 = m.mmu().cpu(1);
        CountDownLatch owned = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            k.slab().kfree(cpu1, k.slab().kmalloc(cpu1, 64, Gfp.GFP_KERNEL, "holder"), "holder");
            owned.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cpu1-holder");
        holder.start();
        owned.await();
        try {
            String slabFunction = policy.equals("slub") ? "slab_alloc_node() on CPU 1's kmem_cache_cpu"
                    : "____cache_alloc() on CPU 1's array_cache";
            assertThatThrownBy(() -> k.slab().kmalloc(cpu1, 64, Gfp.GFP_KERNEL, "wrong_cpu"))
                    .isInstanceOf(PerCpuAccessException.class)
                    .hasMessageStartingWith("BUG: using " + slabFunction + " from a thread that is not CPU 1's: "
                            + Thread.currentThread().getName() + "/")
                    .hasMessageContaining("CPU 1 belongs to cpu1-holder/");
            assertThatThrownBy(() -> k.pages().allocPages(cpu1, Gfp.GFP_KERNEL, 0))
                    .isInstanceOf(PerCpuAccessException.class)
                    .hasMessageStartingWith("BUG: using rmqueue_pcplist() on CPU 1's per_cpu_pages");
            assertThatThrownBy(() -> m.pageAllocator().drainAllPages()).as("drain_all_pages while CPU 1 runs")
                    .isInstanceOf(PerCpuAccessException.class)
                    .hasMessageStartingWith("BUG: using drain_pages() on CPU 1's per_cpu_pages");
            assertThat(m.log().texts()).anyMatch(l -> l.startsWith("BUG: using " + slabFunction));
        } finally {
            done.countDown();
            holder.join();
        }
        long pfn = k.pages().allocPages(cpu1, Gfp.GFP_KERNEL, 0);
        k.pages().freePages(cpu1, pfn, 0);
        m.pageAllocator().drainAllPages();
    }

    private static void runRound(String config, String policy, int nrCpus, long seed) throws InterruptedException {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"),
                Map.of("kmemu.machine.object-allocator", policy, "kmemu.cpus", Integer.toString(nrCpus)),
                Launcher.DIST.resolve("plugins"));
        Kernel k = m.kernel();
        m.pageAllocator().drainAllPages();
        long freeAtStart = m.nrFreePages();
        long tablesAtStart = m.mmu().kernelTables().tablePages();
        SlabCache shared = k.slab().kmemCacheCreate("stress_shared", 72, 0, 0, null);

        Queue<Item> handedOff = new ConcurrentLinkedQueue<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread[] threads = new Thread[nrCpus];
        for (int c = 0; c < nrCpus; c++) {
            long cpuSeed = seed * 0x9E3779B97F4A7C15L + c;
            Worker w = new Worker(m, m.mmu().cpu(c), new Random(cpuSeed), shared, handedOff);
            threads[c] = new Thread(() -> {
                try {
                    w.run();
                } catch (Throwable t) {
                    failures.add(new AssertionError(String.format("%s %s %d CPUs: CPU %d (seed %#x) failed after %d"
                            + " operations: %s", config, policy, nrCpus, w.cpu.id(), cpuSeed, w.done, t), t));
                }
            }, "stress-cpu" + c);
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).as("failures of the CPUs' threads").isEmpty();

        // The workers are gone: CPU 0 takes what they handed off and nobody took, then puts everything back.
        Cpu cpu0 = m.mmu().cpu(0);
        Item it;
        while ((it = handedOff.poll()) != null) {
            it.check(cpu0, k);
            it.free(cpu0, k);
        }
        assertThat(k.slab().kmemCacheDestroy(cpu0, shared)).as("the shared cache is empty").isTrue();
        k.slab().shrinkAll(cpu0);
        k.vmalloc().purgeVmapAreaLazy(cpu0);
        m.pageAllocator().drainAllPages();
        long newTables = m.mmu().kernelTables().tablePages() - tablesAtStart;
        assertThat(m.nrFreePages() + newTables).as("%s %s %d CPUs (seed %#x): every page back but the page tables"
                + " vmalloc made (%d)", config, policy, nrCpus, seed, newTables).isEqualTo(freeAtStart);
        assertThat(k.vmalloc().busyAreas()).isEmpty();
        assertThat(m.log().texts()).as("kernel log").noneMatch(l -> l.startsWith("BUG") || l.startsWith("WARNING")
                || l.contains("cut here") || l.contains("Wrong slab cache") || l.contains("Bad page"));
    }

    /** What a CPU holds: one allocation of some kind, tagged with its owner. */
    private static final class Item {
        static final int KMALLOC = 0;
        static final int CACHE_OBJ = 1;
        static final int PAGES = 2;
        static final int FREE_PAGES = 3;
        static final int VMALLOC = 4;
        static final int VMAP = 5;
        static final int KMAP = 6;

        final int kind;
        long addr;
        long size;
        int order;
        long tag;
        long[] pfns;
        SlabCache cache;

        Item(int kind) {
            this.kind = kind;
        }

        /** Writes the tag at both ends of each object or page. */
        void tag(Cpu cpu, Kernel k, long newTag) {
            tag = newTag;
            switch (kind) {
                case KMALLOC, CACHE_OBJ -> writeEnds(cpu, addr, size, tag);
                case PAGES -> {
                    for (int i = 0; i < (1 << order); i++) {
                        final long t = tag + i;
                        onPage(cpu, k, addr + i, v -> writeEnds(cpu, v, k.vmalloc().pageSize(), t));
                    }
                }
                case FREE_PAGES, VMALLOC, VMAP, KMAP -> {
                    long page = k.vmalloc().pageSize();
                    for (long off = 0; off < size; off += page) {
                        writeEnds(cpu, addr + off, page, tag + off / page);
                    }
                }
                default -> throw new AssertionError(kind);
            }
        }

        /** Checks every tag this item wrote; for vmap also through another mapping of the same pages. */
        void check(Cpu cpu, Kernel k) {
            switch (kind) {
                case KMALLOC, CACHE_OBJ -> checkEnds(cpu, addr, size, tag, this);
                case PAGES -> {
                    for (int i = 0; i < (1 << order); i++) {
                        final long t = tag + i;
                        onPage(cpu, k, addr + i, v -> checkEnds(cpu, v, k.vmalloc().pageSize(), t, this));
                    }
                }
                case FREE_PAGES, VMALLOC, VMAP, KMAP -> {
                    long page = k.vmalloc().pageSize();
                    for (long off = 0; off < size; off += page) {
                        checkEnds(cpu, addr + off, page, tag + off / page, this);
                    }
                    if (kind == VMAP) {
                        for (int i = 0; i < pfns.length; i++) {
                            final long t = tag + i;
                            onPage(cpu, k, pfns[i], v -> checkEnds(cpu, v, page, t, this));
                        }
                    }
                }
                default -> throw new AssertionError(kind);
            }
        }

        void free(Cpu cpu, Kernel k) {
            switch (kind) {
                case KMALLOC -> k.slab().kfree(cpu, addr, "stress");
                case CACHE_OBJ -> k.slab().kmemCacheFree(cpu, cache, addr, "stress");
                case PAGES -> k.pages().freePages(cpu, addr, order);
                case FREE_PAGES -> k.pages().freePagesVirt(cpu, addr, order);
                case VMALLOC -> k.vmalloc().vfree(cpu, addr);
                case VMAP -> {
                    k.vmalloc().vunmap(cpu, addr);
                    for (long pfn : pfns) {
                        k.pages().freePages(cpu, pfn, 0);
                    }
                }
                case KMAP -> {
                    k.highmem().kunmap(cpu, pfns[0]);
                    k.pages().freePages(cpu, pfns[0], 0);
                }
                default -> throw new AssertionError(kind);
            }
        }

        @Override
        public String toString() {
            String[] names = {"kmalloc", "kmem_cache_alloc", "alloc_pages", "__get_free_pages", "vmalloc", "vmap", "kmap"};
            return String.format("%s %#x (size %d, order %d)", names[kind], addr, size, order);
        }
    }

    /** Runs {@code body} on a kernel address of the page: kmap_local, kmap_atomic or kmap, at random by pfn. */
    private static void onPage(Cpu cpu, Kernel k, long pfn, java.util.function.LongConsumer body) {
        switch ((int) (pfn % 3)) {
            case 0 -> {
                long v = k.highmem().kmapLocal(cpu, pfn);
                body.accept(v);
                k.highmem().kunmapLocal(cpu, v);
            }
            case 1 -> {
                long v = k.highmem().kmapAtomic(cpu, pfn);
                body.accept(v);
                k.highmem().kunmapAtomic(cpu, v);
            }
            default -> {
                long v = k.highmem().kmap(cpu, pfn);
                body.accept(v);
                k.highmem().kunmap(cpu, pfn);
            }
        }
    }

    /** The last aligned word of [addr, addr + size), or the first when only one fits. */
    private static long lastWord(long addr, long size) {
        return size < 16 ? addr : addr + ((size - 8) & ~7L);
    }

    private static void writeEnds(Cpu cpu, long addr, long size, long tag) {
        cpu.store64(addr, tag);
        if (size >= 16) {
            cpu.store64(lastWord(addr, size), ~tag);
        }
    }

    private static void checkEnds(Cpu cpu, long addr, long size, long tag, Item item) {
        long first = cpu.load64(addr);
        long last = size >= 16 ? ~cpu.load64(lastWord(addr, size)) : tag;
        if (first != tag || last != tag) {
            long bad = first != tag ? first : last;
            throw new AssertionError(String.format("CPU %d: %s: tag at %#x is %#x (CPU %d's), expected %#x: someone else"
                    + " was handed this memory", cpu.id(), item, first != tag ? addr : lastWord(addr, size), bad,
                    (bad >>> 56) - 1, tag));
        }
    }

    /** One CPU's thread. */
    private static final class Worker {
        final Machine m;
        final Kernel k;
        final Cpu cpu;
        final Random rnd;
        final SlabCache shared;
        final Queue<Item> handedOff;
        final List<Item> live = new ArrayList<>();
        final List<SlabCache> own = new ArrayList<>();
        final long pageSize;
        long serial;
        int done;

        Worker(Machine m, Cpu cpu, Random rnd, SlabCache shared, Queue<Item> handedOff) {
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
            for (done = 0; done < OPS; done++) {
                step();
            }
            while (!live.isEmpty()) {
                freeOne(live.size() - 1);
            }
            Item it;
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
            if (live.size() >= MAX_LIVE && op < 85) {
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
                Item it = handedOff.poll();
                if (it != null) {
                    it.check(cpu, k);
                    it.free(cpu, k);
                }
            } else if (!live.isEmpty()) {
                live.get(rnd.nextInt(live.size())).check(cpu, k);
            }
        }

        void keep(Item it) {
            it.tag(cpu, k, nextTag());
            live.add(it);
        }

        void freeOne(int index) {
            Item it = live.remove(index);
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
                assertThat(cpu.load64(p) | cpu.load64(lastWord(p, size))).as("kzalloc(%d) is zeroed", size).isZero();
            }
            Item it = new Item(Item.KMALLOC);
            it.addr = p;
            it.size = size;
            keep(it);
        }

        void krealloc() {
            Item it = pick(Item.KMALLOC);
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
            Item it = new Item(Item.CACHE_OBJ);
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
            Item it = new Item(Item.PAGES);
            it.addr = pfn;
            it.order = order;
            it.size = pageSize << order;
            keep(it);
        }

        void getFreePages() {
            int order = rnd.nextInt(3);
            long v = k.pages().getFreePages(cpu, Gfp.GFP_KERNEL, order);
            assertThat(v).as("__get_free_pages(order %d)", order).isNotZero();
            Item it = new Item(Item.FREE_PAGES);
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
            Item it = new Item(Item.VMALLOC);
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
            Item it = new Item(Item.VMAP);
            it.addr = v;
            it.size = n * pageSize;
            it.pfns = pfns;
            keep(it);
        }

        void kmap() {
            long pfn = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
            assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
            Item it = new Item(Item.KMAP);
            it.addr = k.highmem().kmap(cpu, pfn);
            it.size = pageSize;
            it.pfns = new long[] {pfn};
            keep(it);
        }

        /** Gives a kmalloc'ed or shared-cache object to whichever CPU frees it (a cross-CPU free). */
        void handOff() {
            for (int i = live.size() - 1; i >= 0; i--) {
                Item it = live.get(i);
                if (it.kind == Item.KMALLOC || (it.kind == Item.CACHE_OBJ && it.cache == shared)) {
                    live.remove(i);
                    it.check(cpu, k);
                    handedOff.add(it);
                    return;
                }
            }
        }

        Item pick(int kind) {
            int n = live.size();
            if (n == 0) {
                return null;
            }
            int start = rnd.nextInt(n);
            for (int i = 0; i < n; i++) {
                Item it = live.get((start + i) % n);
                if (it.kind == kind) {
                    return it;
                }
            }
            return null;
        }
    }
}
