package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabFlags;

/**
 * Random alloc/free sequences across caches and CPUs: live objects stay disjoint and keep the
 * pattern written into them; after freeing everything and shrinking, every slab page is back. jqwik
 * generates the operations themselves, so a failure shrinks to a short sequence.
 */
class SlubPropertiesTest {
    private static final int[][] SHAPES = {
        // objectSize, align, flags, ctor?
        {8, 0, 0, 0}, {24, 0, SlabFlags.SLAB_HWCACHE_ALIGN, 0}, {96, 0, 0, 1}, {192, 0, 0, 0},
        {700, 0, SlabFlags.SLAB_POISON, 0}, {2048, 0, 0, 0}, {8192, 0, 0, 0}, {52, 64, 0, 1},
    };

    private record Live(long addr, int cache, long stamp, int cpu) {
    }

    /**
     * One operation: an allocation from a cache, or a free of a live object picked by index (modulo
     * the live count); CPUs are taken modulo the machine's.
     *
     * @param alloc whether it allocates
     * @param cpu   the CPU
     * @param cache index into {@link #SHAPES}
     * @param pick  which live object a free takes
     */
    record Op(boolean alloc, int cpu, int cache, int pick) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> cpu = Arbitraries.integers().between(0, 7);
        Arbitrary<Op> alloc = Combinators.combine(cpu, Arbitraries.integers().between(0, SHAPES.length - 1))
                .as((c, k) -> new Op(true, c, k, 0));
        Arbitrary<Op> free = Combinators.combine(cpu, Arbitraries.integers().between(0, Integer.MAX_VALUE))
                .as((c, p) -> new Op(false, c, 0, p));
        return Arbitraries.frequencyOf(Tuple.of(55, alloc), Tuple.of(45, free)).list().ofMinSize(1).ofMaxSize(1500)
                .withSizeDistribution(RandomDistribution.uniform());
    }

    @Property(tries = 40, seed = "20250101")
    void randomAllocFreeKeepsObjectsDisjointAndIntact(@ForAll("ops") List<Op> ops, @ForAll @IntRange(min = 1, max = 8) int cpus,
                                                      @ForAll boolean bigEndian, @ForAll @IntRange(min = 0, max = 3) int maxOrder) {
        TestMachine m = new TestMachine(cpus, 8L << 20, bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                "max-order = " + maxOrder);
        SlubAllocator slub = m.slub();
        List<SlubCache> caches = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            int[] s = SHAPES[i];
            caches.add((SlubCache) slub.createCache("c" + i, s[0], s[1], s[2], s[3] == 1 ? p -> { } : null));
        }
        TreeMap<Long, Live> live = new TreeMap<>();
        List<Live> order = new ArrayList<>();
        for (int step = 0; step < ops.size(); step++) {
            Op op = ops.get(step);
            int cpu = op.cpu() % cpus;
            if (op.alloc()) {
                int ci = op.cache();
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
                // A pattern of its own per object: the step number, spread over all bits.
                Live l = new Live(p, ci, (step + 1) * 0x9e3779b97f4a7c15L, cpu);
                fill(m, l, c.objectSize);
                live.put(p, l);
                order.add(l);
            } else if (!order.isEmpty()) {
                Live l = order.remove(op.pick() % order.size());
                SlubCache c = caches.get(l.cache());
                check(m, l, c.objectSize);
                live.remove(l.addr());
                slub.free(cpu, c, l.addr());
            }
        }
        for (Live l : order) {
            SlubCache c = caches.get(l.cache());
            check(m, l, c.objectSize);
            slub.free(l.cpu(), c, l.addr());
        }
        for (int i = 0; i < caches.size(); i++) {
            SlubCache c = caches.get(i);
            slub.shrink(i % cpus, c);
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
