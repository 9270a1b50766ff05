package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.api.Gfp.GFP_DMA;
import static org.kmemu.api.Gfp.GFP_HIGHUSER;
import static org.kmemu.api.Gfp.GFP_KERNEL;
import static org.kmemu.api.Gfp.__GFP_NOWARN;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.RecordingLog;
import org.kmemu.tck.ZoneFixtures;

/**
 * Several threads, each acting as one CPU, allocate and free at once: the zone locks keep every page
 * with one owner, and afterwards the zones are consistent and whole again.
 */
class TlsfConcurrencyTest {

    @Test
    void cpusAllocatingAndFreeingAtOnceNeverShareAPageAndLoseNone() throws Exception {
        int cpus = 4;
        List<ZoneSpan> zones = ZoneFixtures.i386();
        RecordingLog log = new RecordingLog();
        var config = PluginConfigs.of(TlsfPolicy.class, "kmemu.page-allocator.tlsf");
        // No lent words: the TCK's checked words are single-threaded; the zones keep their own.
        var a = (TlsfAllocator) new TlsfPolicy().create(
                new ZoneFixtures.Context(config, zones, ZoneFixtures.i386Types(), 12, cpus, log, null));
        for (ZoneSpan z : zones) {
            a.freeBootMemory(ZoneFixtures.firstManagedPfn(z), z.managedPages());
        }
        long maxPfn = zones.get(zones.size() - 1).endPfn();
        AtomicIntegerArray owner = new AtomicIntegerArray((int) maxPfn);
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(cpus);
        List<Thread> threads = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            int me = cpu;
            threads.add(new Thread(() -> {
                Random rnd = new Random(me);
                List<long[]> live = new ArrayList<>();
                int[] gfps = {GFP_KERNEL, GFP_HIGHUSER, GFP_DMA};
                try {
                    start.await();
                    for (int step = 0; step < 20_000; step++) {
                        if (live.isEmpty() || rnd.nextInt(100) < 55) {
                            int order = rnd.nextInt(100) < 70 ? 0 : rnd.nextInt(6);
                            long pfn = a.allocPages(me, gfps[rnd.nextInt(3)] | __GFP_NOWARN, order);
                            if (pfn == PageAllocator.NO_PFN) {
                                continue;
                            }
                            for (long p = pfn; p < pfn + (1L << order); p++) {
                                if (!owner.compareAndSet((int) p, 0, me + 1)) {
                                    errors.add("pfn " + p + " handed to cpu " + me + " while cpu " + (owner.get((int) p) - 1) + " holds it");
                                }
                            }
                            live.add(new long[] {pfn, order});
                        } else {
                            long[] blk = live.remove(rnd.nextInt(live.size()));
                            for (long p = blk[0]; p < blk[0] + (1L << blk[1]); p++) {
                                owner.set((int) p, 0);
                            }
                            a.freePages(me, blk[0], (int) blk[1]);
                        }
                    }
                    for (long[] blk : live) {
                        for (long p = blk[0]; p < blk[0] + (1L << blk[1]); p++) {
                            owner.set((int) p, 0);
                        }
                        a.freePages(me, blk[0], (int) blk[1]);
                    }
                } catch (Exception | AssertionError e) {
                    errors.add(e.toString());
                }
            }, "cpu" + cpu));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        for (ZoneSpan z : zones) {
            TlsfZone zone = a.zone(z.type());
            assertThat(TlsfChecker.check(zone)).isEmpty();
            assertThat(TlsfChecker.ranges(zone)).as(z.type().kernelName()).hasSize(1);
            assertThat(zone.freePages()).isEqualTo(z.managedPages());
        }
        assertThat(log.lines()).isEmpty();
    }
}
