package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;

/** Threads as CPUs, freeing each other's objects, with a flush from another CPU at the end. */
class ConcurrencyTest {
    @Test
    void threadsAsCpusShareCachesSafely() throws Exception {
        int cpus = 4;
        TestMachine m = new TestMachine(cpus, 32L << 20, ByteOrder.LITTLE_ENDIAN);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-64", 64, 0, 0, null);
        ConcurrentLinkedQueue<Long> handoff = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            int me = cpu;
            threads.add(new Thread(() -> {
                try {
                    Random rnd = new Random(me);
                    for (int i = 0; i < 20000; i++) {
                        long p = slub.alloc(me, c, Gfp.GFP_KERNEL);
                        m.memory.writeLong(p, p);
                        handoff.add(p);
                        if (rnd.nextBoolean()) {
                            Long q = handoff.poll();
                            if (q != null) {
                                assertThat(m.memory.readLong(q)).isEqualTo(q);
                                slub.free(me, c, q);
                            }
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
        for (Long q; (q = handoff.poll()) != null; ) {
            assertThat(m.memory.readLong(q)).isEqualTo(q);
            slub.free(0, c, q);
        }
        slub.shrink(1, c);
        assertThat(m.pages.pagesOut()).isZero();
        assertThat(m.log.lines()).isEmpty();
    }
}
