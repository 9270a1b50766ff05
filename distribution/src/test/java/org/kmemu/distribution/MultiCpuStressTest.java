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
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Gfp;
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
    @ValueSource(strings = {"slub", "slab"})
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

        Queue<StressItem> handedOff = new ConcurrentLinkedQueue<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread[] threads = new Thread[nrCpus];
        for (int c = 0; c < nrCpus; c++) {
            long cpuSeed = seed * 0x9E3779B97F4A7C15L + c;
            StressWorker w = new StressWorker(m, m.mmu().cpu(c), new Random(cpuSeed), shared, handedOff, OPS, MAX_LIVE);
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
        StressItem it;
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
}
