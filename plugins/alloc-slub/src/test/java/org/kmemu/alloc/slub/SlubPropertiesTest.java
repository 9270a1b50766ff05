package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabFlags;

/**
 * Seeded random alloc/free sequences across caches and CPUs: live objects stay disjoint and keep the
 * pattern written into them; after freeing everything and shrinking, every slab page is back.
 */
class SlubPropertiesTest {
    private static final int[][] SHAPES = {
        // objectSize, align, flags, ctor?
        {8, 0, 0, 0}, {24, 0, SlabFlags.SLAB_HWCACHE_ALIGN, 0}, {96, 0, 0, 1}, {192, 0, 0, 0},
        {700, 0, SlabFlags.SLAB_POISON, 0}, {2048, 0, 0, 0}, {8192, 0, 0, 0}, {52, 64, 0, 1},
    };

    private record Live(long addr, int cache, long stamp) {
    }

    @Property(tries = 40, seed = "20250101")
    void randomAllocFreeKeepsObjectsDisjointAndIntact(@ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int cpus,
                                                      @ForAll boolean bigEndian) {
        Random rnd = new Random(seed);
        TestMachine m = new TestMachine(cpus, 8L << 20, bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                "max-order = " + rnd.nextInt(4));
        SlubAllocator slub = m.slub();
        List<SlubCache> caches = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            int[] s = SHAPES[i];
            caches.add((SlubCache) slub.createCache("c" + i, s[0], s[1], s[2], s[3] == 1 ? p -> { } : null));
        }
        TreeMap<Long, Live> live = new TreeMap<>();
        List<Live> order = new ArrayList<>();
        for (int step = 0; step < 1500; step++) {
            int cpu = rnd.nextInt(cpus);
            if (order.isEmpty() || rnd.nextInt(100) < 55) {
                int ci = rnd.nextInt(caches.size());
                SlubCache c = caches.get(ci);
                long p = slub.alloc(cpu, c, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN);
                if (p == 0) {
                    continue;
                }
                assertThat(slub.cacheOf(p)).isSameAs(c);
                assertThat(p % c.align()).isZero();
                var below = live.floorEntry(p);
                if (below != null) {
                    assertThat(below.getKey() + caches.get(below.getValue().cache()).objectSize).isLessThanOrEqualTo(p);
                }
                var above = live.ceilingEntry(p);
                if (above != null) {
                    assertThat(p + c.objectSize).isLessThanOrEqualTo(above.getKey());
                }
                Live l = new Live(p, ci, rnd.nextLong());
                fill(m, l, c.objectSize);
                live.put(p, l);
                order.add(l);
            } else {
                Live l = order.remove(rnd.nextInt(order.size()));
                SlubCache c = caches.get(l.cache());
                check(m, l, c.objectSize);
                live.remove(l.addr());
                slub.free(cpu, c, l.addr());
            }
        }
        for (Live l : order) {
            SlubCache c = caches.get(l.cache());
            check(m, l, c.objectSize);
            slub.free(rnd.nextInt(cpus), c, l.addr());
        }
        for (SlubCache c : caches) {
            slub.shrink(rnd.nextInt(cpus), c);
            assertThat(slub.slabInfo(c).numSlabs()).isZero();
        }
        assertThat(m.pages.pagesOut()).isZero();
        assertThat(m.log.lines()).isEmpty();
    }

    private static void fill(TestMachine m, Live l, int size) {
        for (int off = 0; off + 8 <= size; off += 8) {
            m.memory.writeLong(l.addr() + off, l.stamp() ^ off);
        }
    }

    private static void check(TestMachine m, Live l, int size) {
        for (int off = 0; off + 8 <= size; off += 8) {
            assertThat(m.memory.readLong(l.addr() + off)).as("object 0x%x +%d", l.addr(), off)
                    .isEqualTo(l.stamp() ^ off);
        }
    }
}
