package org.kmemu.alloc.slab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabInfo;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.SlabFixtures;

/** Array-cache batching, colouring, the freelist in RAM, slabinfo tunables and reports. */
class SlabAllocatorTest {

    private static SlabFixtures machine(int cpus, String... overrides) {
        return new SlabFixtures(PluginConfigs.of(SlabPolicy.class, "kmemu.object-allocator.slab", overrides), cpus,
                64L << 20, ByteOrder.LITTLE_ENDIAN, 64);
    }

    private static SlabAllocatorImpl slab(SlabFixtures m) {
        return (SlabAllocatorImpl) new SlabPolicy().create(m);
    }

    @Test
    void refillTakesBatchRefillLimitWhenUntouchedThenBatchcount() {
        SlabFixtures m = machine(2);
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-100", 100, 0, 0, null);
        long first = a.alloc(0, c, Gfp.GFP_KERNEL);
        SlabInfo i = a.slabInfo(c);
        assertThat(i.activeObjs()).as("16 objects moved to the array").isEqualTo(16);
        assertThat(i.numSlabs()).isEqualTo(1);
        // LIFO: the array holds objects 0..15, the last one comes out first; s_mem = base + 80.
        long base = first & ~4095L;
        assertThat(first).isEqualTo(base + 80 + 15 * 104);
        // The freelist in RAM: u16 entries 0,1 in the first word; active = 16.
        assertThat(m.readInt(base)).isEqualTo((1 << 16) | 0);
        for (int k = 0; k < 15; k++) {
            a.alloc(0, c, Gfp.GFP_KERNEL);
        }
        a.alloc(0, c, Gfp.GFP_KERNEL); // touched: batchcount 60, but the slab only has 22 left and no free slab
        i = a.slabInfo(c);
        assertThat(i.activeObjs()).isEqualTo(38);
        assertThat(i.numSlabs()).isEqualTo(1);
        assertThat(i.activeSlabs()).isEqualTo(1);
    }

    @Test
    void fullArrayFlushesBatchcountToTheSharedArray() {
        SlabFixtures m = machine(2);
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-100", 100, 0, 0, null);
        List<Long> objs = alloc(a, c, 200);
        for (int k = 0; k < 120; k++) {
            a.free(1, c, objs.get(k));
        }
        assertThat(a.slabInfo(c).sharedAvail()).isZero();
        a.free(1, c, objs.get(120));
        assertThat(a.slabInfo(c).sharedAvail()).as("cache_flusharray moved batchcount").isEqualTo(60);
        // The shared array refills another CPU before any slab does.
        SlabCache other = c;
        long before = a.slabInfo(other).activeObjs();
        a.alloc(1, c, Gfp.GFP_KERNEL);
        assertThat(a.slabInfo(c).activeObjs()).isEqualTo(before);
    }

    @Test
    void withoutSharedArrayTheFlushGoesBackToTheSlabs() {
        SlabFixtures m = machine(2, "shared-factor = 0");
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-100", 100, 0, 0, null);
        assertThat(a.slabInfo(c).sharedFactor()).isZero();
        List<Long> objs = alloc(a, c, 200);
        for (int k = 0; k < 120; k++) {
            a.free(1, c, objs.get(k));
        }
        long active = a.slabInfo(c).activeObjs();
        a.free(1, c, objs.get(120));
        assertThat(a.slabInfo(c).activeObjs()).as("free_block of 60 objects").isEqualTo(active - 60);
    }

    @Test
    void eachNewSlabTakesTheNextColour() {
        SlabFixtures m = machine(1);
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-3000", 3000, 0, 0, null); // order 1, 2 objects, 34 colours of 64 bytes
        List<Long> objs = alloc(a, c, 80);
        objs.sort(Long::compare);
        for (int k = 0; k < 40; k++) {
            long obj0 = objs.get(2 * k);
            assertThat(obj0 & 8191).as("slab %d", k).isEqualTo((k % 34) * 64 + 8);
            assertThat(objs.get(2 * k + 1) - obj0).isEqualTo(3000);
        }
    }

    @Test
    void offSlabFreelistsComeFromAManagementCacheAndGoBack() {
        SlabFixtures m = machine(2);
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-512", 512, 0, 0, null);
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        assertThat(p & 4095).as("no colour, no on-slab freelist: object 7 of 8, popped first").isEqualTo(7 * 512);
        assertThat(m.pagesOut()).as("one slab and one management slab").isEqualTo(2);
        a.free(0, c, p);
        a.shrink(0, c);
        assertThat(m.pagesOut()).isZero();
    }

    @Test
    void slabinfoShowsEnableCpucacheTunables() {
        SlabAllocatorImpl a = slab(machine(2));
        assertThat(tunables(a.slabInfo(a.createCache("a", 100, 0, 0, null)))).containsExactly(120, 60, 8);
        assertThat(tunables(a.slabInfo(a.createCache("b", 512, 0, 0, null)))).containsExactly(54, 27, 8);
        assertThat(tunables(a.slabInfo(a.createCache("c", 3000, 0, 0, null)))).containsExactly(24, 12, 8);
        assertThat(tunables(a.slabInfo(a.createCache("d", 8192, 0, 0, null)))).containsExactly(8, 4, 0);
        SlabAllocatorImpl up = slab(machine(1));
        assertThat(tunables(up.slabInfo(up.createCache("a", 100, 0, 0, null)))).containsExactly(120, 60, 0);
        SlabInfo i = a.slabInfo(a.createCache("e", 3000, 0, 0, null));
        assertThat(i.objPerSlab()).isEqualTo(2);
        assertThat(i.pagesPerSlab()).isEqualTo(2);
        assertThat(i.objSize()).isEqualTo(3000);
    }

    @Test
    void doubleFreeIsReportedAndDropped() {
        SlabFixtures m = machine(2);
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-64", 64, 0, 0, null);
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        a.free(0, c, p);
        a.free(1, c, p);
        assertThat(m.recordingLog().lines()).anySatisfy(l -> assertThat(l)
                .isEqualTo("slab error in verify_redzone_free(): cache `t-64': double free detected"));
        a.shrink(0, c);
        assertThat(m.pagesOut()).isZero();
    }

    @Test
    void destroyWithObjectsLeftIsReported() {
        SlabFixtures m = machine(2);
        SlabAllocatorImpl a = slab(m);
        SlabCache c = a.createCache("t-64", 64, 0, 0, null);
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        assertThat(a.destroyCache(0, c)).isFalse();
        assertThat(m.recordingLog().lines()).contains("kmem_cache_destroy t-64: Slab cache still has objects");
        a.free(0, c, p);
        assertThat(a.destroyCache(0, c)).isTrue();
        assertThat(m.pagesOut()).isZero();
    }

    private static List<Long> alloc(SlabAllocatorImpl a, SlabCache c, int n) {
        List<Long> objs = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            long p = a.alloc(0, c, Gfp.GFP_KERNEL);
            assertThat(p).isNotZero();
            objs.add(p);
        }
        return objs;
    }

    private static int[] tunables(SlabInfo i) {
        return new int[] {i.limit(), i.batchCount(), i.sharedFactor()};
    }
}
