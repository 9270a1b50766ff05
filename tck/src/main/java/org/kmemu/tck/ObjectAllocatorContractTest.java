package org.kmemu.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.KmallocSizes;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.SlabInfo;

/**
 * The contract every {@link ObjectAllocatorPolicy} keeps: objects are aligned, inside slabs, disjoint
 * and keep their contents; cacheOf finds them; constructors run on new objects; a wrong-cache free is
 * reported and goes to the object's own cache; slabinfo adds up; the policy's kmalloc table can be served;
 * after everything is freed and shrunk every page is back; misuse (a double free, an interior pointer, a
 * busy or destroyed cache, a size no slab holds) is reported or is a {@link KernelOopsException}, and never
 * corrupts the allocator.
 * Runs on {@link SlabFixtures} in both byte orders, with 8- and 4-byte pointers. Extend it and implement {@link #policy()}.
 */
public abstract class ObjectAllocatorContractTest {

    /** @return a new instance of the policy under test */
    protected abstract ObjectAllocatorPolicy policy();

    /** A 64-bit little-endian machine, or a 32-bit big-endian one (e500-like: 4-byte pointers). */
    private SlabFixtures machine(ByteOrder order) {
        return new SlabFixtures(PluginConfigs.of(policy().getClass(), "kmemu.object-allocator." + policy().id()), 2,
                64L << 20, order, 64, order == ByteOrder.BIG_ENDIAN ? 4 : 8);
    }

    @Test
    void objectsAreAlignedDisjointAndFoundByCacheOf() {
        SlabFixtures m = machine(ByteOrder.LITTLE_ENDIAN);
        SlabAllocator a = policy().create(m);
        SlabCache c = a.createCache("contract-100", 100, 0, 0, null);
        SlabCache hw = a.createCache("contract-hw", 40, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null);
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long p = a.alloc(i % 2, c, Gfp.GFP_KERNEL);
            assertThat(p).isNotZero();
            assertThat(p % 8).as("pointer aligned").isZero();
            assertThat(a.cacheOf(p)).isSameAs(c);
            assertThat(a.cacheOf(p + 99)).isSameAs(c);
            objs.add(p);
        }
        assertThat(objs).doesNotHaveDuplicates();
        objs.sort(Long::compare);
        for (int i = 1; i < objs.size(); i++) {
            assertThat(objs.get(i) - objs.get(i - 1)).as("objects do not overlap").isGreaterThanOrEqualTo(100);
        }
        long h = a.alloc(0, hw, Gfp.GFP_KERNEL);
        assertThat(h % 32).as("SLAB_HWCACHE_ALIGN aligns small objects to at least half a line").isZero();
        assertThat(c.slotSize()).isGreaterThanOrEqualTo(100);
    }

    /**
     * The policy's kmalloc table can be served: every class as a cache whose slots hold the class size,
     * or, without classes, {@link SlabAllocator#kmalloc} for every size up to maxCacheSize, with ksize
     * covering the request and kfree's path (cacheOf, then free) giving every page back.
     */
    @Test
    void theKmallocTableCanBeServed() {
        SlabFixtures m = machine(ByteOrder.LITTLE_ENDIAN);
        SlabAllocator a = policy().create(m);
        KmallocSizes sizes = policy().kmallocSizes(m);
        assertThat(sizes.maxSize()).isGreaterThanOrEqualTo(sizes.maxCacheSize());
        if (sizes.hasCaches()) {
            for (int i = 0; i < sizes.classes(); i++) {
                if (sizes.size(i) > 1 << 20) {
                    break; // the fixture's 64 MiB would do, but a few classes make the point
                }
                SlabCache c = a.createCache(sizes.name(i), sizes.size(i), 0, SlabFlags.SLAB_KMALLOC, null);
                long p = a.alloc(0, c, Gfp.GFP_KERNEL);
                assertThat(p).as(sizes.name(i)).isNotZero();
                assertThat(a.ksize(p)).isGreaterThanOrEqualTo(sizes.size(i));
                a.free(0, c, p);
                a.shrink(0, c);
                a.shrink(1, c);
            }
        } else {
            List<Long> objs = new ArrayList<>();
            for (long size = 1; size <= sizes.maxCacheSize(); size += size < 64 ? 1 : 61) {
                long p = a.kmalloc(0, (int) size, Gfp.GFP_KERNEL);
                assertThat(p).as("kmalloc(%d)", size).isNotZero();
                assertThat(a.ksize(p)).as("ksize of kmalloc(%d)", size).isGreaterThanOrEqualTo(size);
                assertThat(a.cacheOf(p)).isNotNull();
                m.fill(p, (byte) 0x5a, size);
                objs.add(p);
            }
            for (long p : objs) {
                a.free(0, a.cacheOf(p), p);
            }
        }
        assertThat(m.pagesOut()).as("every page back").isZero();
        assertThat(m.recordingLog().lines()).as("no reports").isEmpty();
    }

    @Test
    void constructorsRunOnNewObjects() {
        SlabFixtures m = machine(ByteOrder.BIG_ENDIAN);
        SlabAllocator a = policy().create(m);
        List<Long> constructed = new ArrayList<>();
        SlabCache c = a.createCache("contract-ctor", 64, 0, 0, constructed::add);
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        assertThat(constructed).contains(p);
    }

    /** mm/slab.h cache_from_obj(): the kernel warns and frees the object to the cache it came from. */
    @Test
    void freeingToTheWrongCacheIsReportedAndGoesToTheRightCache() {
        SlabFixtures m = machine(ByteOrder.LITTLE_ENDIAN);
        SlabAllocator a = policy().create(m);
        SlabCache c1 = a.createCache("contract-a", 64, 0, 0, null);
        SlabCache c2 = a.createCache("contract-b", 128, 0, 0, null);
        long p = a.alloc(0, c1, Gfp.GFP_KERNEL);
        assertThat(a.cacheOf(p)).isSameAs(c1);
        a.free(0, c2, p);
        assertThat(m.recordingLog().lines()).anySatisfy(l -> assertThat(l).contains("Wrong slab cache"));
        SlabInfo info = a.slabInfo(c2);
        assertThat(info.activeObjs()).as("nothing was freed into %s", c2.name()).isZero();
    }

    @Test
    void randomAllocFreeKeepsContentsAndGivesEveryPageBack() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            SlabFixtures m = machine(order);
            SlabAllocator a = policy().create(m);
            int[] sizes = {8, 24, 64, 96, 200, 512, 1024, 3000};
            List<SlabCache> caches = new ArrayList<>();
            for (int s : sizes) {
                caches.add(a.createCache("contract-" + s, s, 0, 0, null));
            }
            Random rnd = new Random(7);
            Map<Long, long[]> live = new HashMap<>();
            List<Long> keys = new ArrayList<>();
            for (int step = 0; step < 20_000; step++) {
                if (keys.isEmpty() || rnd.nextInt(100) < 55) {
                    int ci = rnd.nextInt(caches.size());
                    int cpu = rnd.nextInt(2);
                    long p = a.alloc(cpu, caches.get(ci), Gfp.GFP_KERNEL);
                    assertThat(p).isNotZero();
                    assertThat(live).as("handed out twice: %x", p).doesNotContainKey(p);
                    long pattern = rnd.nextLong();
                    m.writeLong(p, pattern);
                    if (sizes[ci] >= 16) {
                        m.writeLong(p + (sizes[ci] & ~7) - 8, ~pattern);
                    }
                    live.put(p, new long[] {ci, pattern});
                    keys.add(p);
                } else {
                    long p = keys.remove(rnd.nextInt(keys.size()));
                    long[] o = live.remove(p);
                    int size = sizes[(int) o[0]];
                    assertThat(m.readLong(p)).as("contents of %x", p).isEqualTo(o[1]);
                    if (size >= 16) {
                        assertThat(m.readLong(p + (size & ~7) - 8)).as("last word of %x", p).isEqualTo(~o[1]);
                    }
                    a.free(rnd.nextInt(2), caches.get((int) o[0]), p);
                }
            }
            for (long p : keys) {
                a.free(0, caches.get((int) live.get(p)[0]), p);
            }
            for (SlabCache c : caches) {
                a.shrink(0, c);
                a.shrink(1, c);
                assertThat(a.slabInfo(c).activeObjs()).as("%s empty", c.name()).isZero();
            }
            assertThat(m.pagesOut()).as("every slab page back (%s)", order).isZero();
            assertThat(m.recordingLog().lines()).as("no reports").isEmpty();
        }
    }

    @Test
    void misuseIsReportedAndLeavesTheAllocatorConsistent() {
        SlabFixtures m = machine(ByteOrder.LITTLE_ENDIAN);
        SlabAllocator a = policy().create(m);
        SlabCache c = a.createCache("contract-misuse", 64, 0, 0, null);
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        long q = a.alloc(0, c, Gfp.GFP_KERNEL);
        long r = a.alloc(1, c, Gfp.GFP_KERNEL);
        m.writeLong(q, 0x5151);
        a.free(0, c, p);
        int before = m.recordingLog().lines().size();
        a.free(1, c, p);
        assertThat(m.recordingLog().lines().size()).as("a double free (from another CPU) is reported").isGreaterThan(before);
        before = m.recordingLog().lines().size();
        try {
            a.free(0, c, q + 8);
        } catch (KernelOopsException e) {
            assertThat(m.recordingLog().lines()).as("an oops is printed before it is thrown").containsAll(e.report());
        }
        assertThat(m.recordingLog().lines().size()).as("a free of an interior pointer is reported").isGreaterThan(before);
        Set<Long> handed = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            long o = a.alloc(i % 2, c, Gfp.GFP_KERNEL);
            assertThat(handed.add(o)).as("the double-freed object is handed out once").isTrue();
            assertThat(o).as("live objects are not handed out").isNotIn(q, r);
        }
        assertThat(m.readLong(q)).as("the object freed through an interior pointer stays").isEqualTo(0x5151);
        for (long o : handed) {
            a.free(0, c, o);
        }
        a.free(0, c, q);
        a.free(1, c, r);
        a.shrink(0, c);
        assertThat(m.pagesOut()).as("every slab page back after the misuse").isZero();
    }

    @Test
    void aBusyCacheSurvivesDestroyAndADestroyedOneIsAnOops() {
        SlabFixtures m = machine(ByteOrder.LITTLE_ENDIAN);
        SlabAllocator a = policy().create(m);
        SlabCache c = a.createCache("contract-destroy", 48, 0, 0, null);
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        m.writeLong(p, 77);
        assertThat(a.destroyCache(0, c)).isFalse();
        assertThat(m.recordingLog().lines()).contains("kmem_cache_destroy contract-destroy: Slab cache still has objects");
        assertThat(m.readLong(p)).isEqualTo(77);
        a.free(0, c, p);
        assertThat(a.destroyCache(0, c)).isTrue();
        assertThat(m.pagesOut()).isZero();
        assertThatThrownBy(() -> a.alloc(0, c, Gfp.GFP_KERNEL)).isInstanceOf(KernelOopsException.class);
        assertThatThrownBy(() -> a.destroyCache(0, c)).isInstanceOf(KernelOopsException.class);
        assertThatThrownBy(() -> a.shrink(0, c)).isInstanceOf(KernelOopsException.class);
    }

    @Test
    void aSizeNoSlabHoldsGivesNoCache() {
        SlabAllocator a = policy().create(machine(ByteOrder.LITTLE_ENDIAN));
        assertThat(a.createCache("contract-huge", 1 << 30, 0, 0, null)).isNull();
    }
}
