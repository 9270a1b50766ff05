package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.SlabInfo;

class SlubAllocatorTest {
    private static final int GFP = Gfp.GFP_KERNEL;

    enum Endian {
        LITTLE(ByteOrder.LITTLE_ENDIAN), BIG(ByteOrder.BIG_ENDIAN);

        final ByteOrder order;

        Endian(ByteOrder order) {
            this.order = order;
        }
    }

    @Test
    void objectsLieInsideSlabsAlignedAndDisjoint() {
        TestMachine m = new TestMachine(4);
        SlubAllocator slub = m.slub();
        SlubCache c = (SlubCache) slub.createCache("hw", 100, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null);
        assertThat(c.slotSize()).isEqualTo(128);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            long p = slub.alloc(i % 4, c, GFP);
            assertThat(p).isNotZero();
            assertThat(p % 64).isZero();
            assertThat(seen.add(p)).isTrue();
            assertThat(slub.cacheOf(p)).isSameAs(c);
            assertThat(slub.cacheOf(p + 99)).isSameAs(c);
        }
        List<Long> sorted = new ArrayList<>(seen);
        sorted.sort(null);
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i) - sorted.get(i - 1)).isGreaterThanOrEqualTo(128);
        }
        assertThat(slub.cacheOf(TestMachine.PAGE_OFFSET + (15L << 20))).isNull();
    }

    @ParameterizedTest
    @EnumSource(Endian.class)
    void freePointerIsInRamInTheMachinesByteOrder(Endian endian) {
        TestMachine m = new TestMachine(1, 1 << 20, endian.order);
        SlubAllocator slub = m.slub();
        SlubCache c = (SlubCache) slub.createCache("kmalloc-64", 64, 0, SlabFlags.SLAB_KMALLOC, null);
        long a = slub.alloc(0, c, GFP);
        long b = slub.alloc(0, c, GFP);
        // A fresh slab chains objects in address order: the next free object after b is b + 64.
        assertThat(m.ram.readLong(m.pa(b) + 32)).isEqualTo(b + 64);
        slub.free(0, c, a);
        slub.free(0, c, b);
        // b is the head now and points at a, at s->offset = 32, in the machine's byte order.
        long raw = m.ram.readLong(m.pa(b) + c.freePointerOffset());
        assertThat(raw).isEqualTo(a);
        byte[] bytes = new byte[8];
        m.ram.read(m.pa(b) + 32, bytes, 0, 8);
        long decoded = java.nio.ByteBuffer.wrap(bytes).order(endian.order).getLong();
        assertThat(decoded).isEqualTo(a);
        // Corrupting the pointer in RAM is what the allocator follows next.
        m.ram.writeLong(m.pa(a) + 32, 0);
        assertThat(slub.alloc(0, c, GFP)).isEqualTo(b);
        assertThat(slub.alloc(0, c, GFP)).isEqualTo(a);
    }

    @Test
    void constructorRunsOncePerObjectPerSlab() {
        TestMachine m = new TestMachine(2);
        SlubAllocator slub = m.slub();
        Map<Long, Integer> calls = new HashMap<>();
        SlubCache c = (SlubCache) slub.createCache("dentry", 192, 0, 0, p -> {
            calls.merge(p, 1, Integer::sum);
            m.memory.writeLong(p, 0x1234);
        });
        int n = c.objectsPerSlab();
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            objs.add(slub.alloc(0, c, GFP));
        }
        assertThat(calls).hasSize(n).allSatisfy((p, k) -> assertThat(k).isEqualTo(1));
        for (long p : objs) {
            assertThat(m.memory.readLong(p)).isEqualTo(0x1234); // the free pointer sits after the object
            slub.free(0, c, p);
        }
        for (int i = 0; i < n; i++) {
            slub.alloc(0, c, GFP); // the same objects again, from CPU 0's slab
        }
        assertThat(calls).hasSize(n); // reused objects are not constructed again
        slub.alloc(0, c, GFP); // a second slab
        assertThat(calls).hasSize(2 * n);
    }

    @Test
    void perCpuFastPathReturnsTheObjectJustFreed() {
        TestMachine m = new TestMachine(4);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-128", 128, 0, 0, null);
        long p = slub.alloc(2, c, GFP);
        slub.alloc(2, c, GFP);
        slub.free(2, c, p);
        assertThat(slub.alloc(2, c, GFP)).isEqualTo(p);
        // Each CPU has its own slab.
        long q = slub.alloc(3, c, GFP);
        assertThat(slub.cacheOf(q)).isSameAs(c);
        assertThat((q - TestMachine.PAGE_OFFSET) >>> 12).isNotEqualTo((p - TestMachine.PAGE_OFFSET) >>> 12);
        assertThat(m.pages.slabsOut()).isEqualTo(2);
    }

    @Test
    void remoteFreeToAnotherCpusSlabIsPickedUpByItsOwner() {
        TestMachine m = new TestMachine(2);
        SlubAllocator slub = m.slub();
        SlubCache c = (SlubCache) slub.createCache("kmalloc-256", 256, 0, 0, null);
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < c.objectsPerSlab(); i++) {
            objs.add(slub.alloc(0, c, GFP));
        }
        long x = objs.get(5);
        slub.free(1, c, x); // CPU 1 frees into CPU 0's frozen slab: slab->freelist
        assertThat(slub.alloc(0, c, GFP)).isEqualTo(x); // get_freelist
        assertThat(m.pages.slabsOut()).isEqualTo(1);
    }

    @Test
    void partialListsAndMinPartial() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlubCache c = (SlubCache) slub.createCache("kmalloc-512", 512, 0, 0, null);
        assertThat(c.minPartial()).isEqualTo(5);
        int per = c.objectsPerSlab();
        int slabs = 9;
        List<List<Long>> bySlab = new ArrayList<>();
        for (int s = 0; s < slabs; s++) {
            List<Long> l = new ArrayList<>();
            for (int i = 0; i < per; i++) {
                l.add(slub.alloc(0, c, GFP));
            }
            bySlab.add(l);
        }
        assertThat(m.pages.slabsOut()).isEqualTo(slabs);
        SlabInfo info = slub.slabInfo(c);
        assertThat(info.numSlabs()).isEqualTo(slabs);
        assertThat(info.activeObjs()).isEqualTo((long) slabs * per);
        // One free in each of the first 8 (full, not CPU) slabs: they become partial.
        for (int s = 0; s < 8; s++) {
            slub.free(0, c, bySlab.get(s).get(0));
        }
        assertThat(c.node.nrPartial).isEqualTo(8);
        info = slub.slabInfo(c);
        assertThat(info.activeObjs()).isEqualTo((long) slabs * per - 8);
        assertThat(info.numObjs()).isEqualTo((long) slabs * per);
        // Empty them all: the first ones stay as empty partial slabs until min_partial (5) others are partial.
        for (int s = 0; s < 8; s++) {
            for (long p : bySlab.get(s).subList(1, per)) {
                slub.free(0, c, p);
            }
        }
        // __slab_free frees an emptied slab while nr_partial (itself included) >= min_partial:
        // nr_partial goes 8 → 7 → 6 → 5 → 4, then the last four empty slabs stay on the list.
        assertThat(c.node.nrPartial).isEqualTo(4);
        assertThat(m.pages.slabsOut()).isEqualTo(1 + 4);
        slub.shrink(0, c);
        assertThat(c.node.nrPartial).isZero();
        assertThat(m.pages.slabsOut()).isEqualTo(1); // the last slab is full (its objects are live)
        for (long p : bySlab.get(8)) {
            slub.free(0, c, p);
        }
        slub.shrink(0, c);
        assertThat(m.pages.slabsOut()).isZero();
        assertThat(slub.slabInfo(c).numSlabs()).isZero();
    }

    @Test
    void slabInfoFollowsGetSlabinfo() {
        TestMachine m = new TestMachine(4);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-1k", 1024, 0, 0, null);
        long p = slub.alloc(0, c, GFP);
        SlabInfo info = slub.slabInfo(c);
        // The CPU slab's free objects count as active: SLUB only subtracts partial slabs' free objects.
        assertThat(info).isEqualTo(new SlabInfo("kmalloc-1k", 16, 16, 1024, 16, 4, 0, 0, 0, 1, 1, 0));
        slub.shrink(0, c); // flush: the slab goes to the partial list with 15 free
        info = slub.slabInfo(c);
        assertThat(info.activeObjs()).isEqualTo(1);
        slub.free(0, c, p);
        slub.shrink(0, c);
        assertThat(slub.slabInfo(c).numSlabs()).isZero();
    }

    @Test
    void fallsBackToTheMinimumOrder() {
        TestMachine m = new TestMachine(4);
        SlubAllocator slub = m.slub();
        SlubCache c = (SlubCache) slub.createCache("kmalloc-2k", 2048, 0, SlabFlags.SLAB_RECLAIM_ACCOUNT, null);
        assertThat(c.order()).isEqualTo(3);
        m.pages.setMaxOrder(0);
        long p = slub.alloc(0, c, GFP);
        assertThat(p).isNotZero();
        assertThat(m.pages.allocCalls()).containsExactly("kmalloc-2k order 3", "kmalloc-2k order 0");
        assertThat(m.pages.lastGfp() & Gfp.__GFP_RECLAIMABLE).isNotZero();
        assertThat(m.pages.lastGfp() & Gfp.__GFP_COMP).isNotZero();
        assertThat(slub.slabInfo(c).numObjs()).isEqualTo(2); // s->min: 2 objects in one page
        assertThat(slub.alloc(0, c, GFP)).isNotZero();
        assertThat(slub.slabInfo(c).numSlabs()).isEqualTo(1);
    }

    @Test
    void dmaCacheAsksForGfpDmaAndDropsCallerZoneBits() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("dma-kmalloc-64", 64, 0, SlabFlags.SLAB_CACHE_DMA, null);
        slub.alloc(0, c, GFP | Gfp.__GFP_ZERO | Gfp.__GFP_ACCOUNT);
        assertThat(m.pages.lastGfp() & Gfp.__GFP_DMA).isNotZero();
        assertThat(m.pages.lastGfp() & (Gfp.__GFP_ZERO | Gfp.__GFP_ACCOUNT)).isZero();
    }

    @Test
    void outOfPagesReturnsZeroAndReports() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-64", 64, 0, 0, null);
        m.pages.exhaust();
        assertThat(slub.alloc(0, c, GFP)).isZero();
        assertThat(m.log.lines()).contains("SLUB: Unable to allocate memory on node -1, gfp=0xcc0(GFP_KERNEL)",
                "  cache: kmalloc-64, object size: 64, buffer size: 64, default order: 0, min order: 0");
        m.log.clear();
        assertThat(slub.alloc(0, c, GFP | Gfp.__GFP_NOWARN)).isZero();
        assertThat(m.log.lines()).isEmpty();
    }

    @Test
    void wrongCacheFreeIsReportedAndGoesToTheObjectsCache() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache a = slub.createCache("kmalloc-64", 64, 0, 0, null);
        SlabCache b = slub.createCache("dentry", 64, 0, 0, null);
        long p = slub.alloc(0, a, GFP);
        slub.free(0, b, p);
        assertThat(m.log.lines()).contains("cache_from_obj: Wrong slab cache. dentry but object is from kmalloc-64");
        assertThat(slub.alloc(0, a, GFP)).isEqualTo(p); // freed to kmalloc-64, not to dentry
        assertThat(slub.slabInfo(b).numSlabs()).isZero();
        m.log.clear();
        slub.free(0, a, TestMachine.PAGE_OFFSET + (8L << 20));
        assertThat(m.log.lines()).contains("virt_to_cache: Object is not a Slab page!");
    }

    @Test
    void doubleFreeOfTheListHeadIsReportedAndIgnored() {
        TestMachine m = new TestMachine(2);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-32", 32, 0, 0, null);
        long p = slub.alloc(0, c, GFP);
        long q = slub.alloc(0, c, GFP);
        slub.free(0, c, p);
        slub.free(0, c, p); // fast path: p is c->freelist
        assertThat(m.log.lines()).contains("BUG kmalloc-32 (Not tainted): Object already free",
                "FIX kmalloc-32: Object at 0x" + Long.toHexString(p) + " not freed");
        assertThat(m.log.lines().get(0)).isEqualTo("=".repeat(75));
        // Slow path: CPU 1 frees q twice into CPU 0's slab.
        m.log.clear();
        slub.free(1, c, q);
        slub.free(1, c, q);
        assertThat(m.log.lines()).anySatisfy(l -> assertThat(l).startsWith("BUG kmalloc-32 (Tainted: G    B")
                .endsWith("): Object already free"));
        // The lists are intact: the slab's remaining objects come back once each, p and q included.
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < ((SlubCache) c).objectsPerSlab() - 0; i++) {
            long o = slub.alloc(0, c, GFP);
            if (slub.cacheOf(o) == c && (o - p) >>> 12 == 0) {
                got.add(o);
            }
        }
        assertThat(got).doesNotHaveDuplicates().contains(p, q).hasSize(((SlubCache) c).objectsPerSlab());
    }

    @Test
    void misalignedFreeIsReported() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-64", 64, 0, 0, null);
        long p = slub.alloc(0, c, GFP);
        slub.free(0, c, p + 8);
        assertThat(m.log.lines()).anySatisfy(l -> assertThat(l).contains("Invalid object pointer 0x"
                + Long.toHexString(p + 8)));
    }

    @Test
    void aDoubleFreeAnywhereOnTheFreeListIsReportedAndDropped() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-64", 64, 0, 0, null);
        long a = slub.alloc(0, c, GFP);
        long b = slub.alloc(0, c, GFP);
        slub.free(0, c, a);
        slub.free(0, c, b); // b is now the head of the CPU's free list, a behind it
        slub.free(0, c, a);
        assertThat(m.log.lines()).contains("BUG kmalloc-64 (Not tainted): Object already free",
                "FIX kmalloc-64: Object at 0x" + Long.toHexString(a) + " not freed");
        assertThat(slub.alloc(0, c, GFP)).isEqualTo(b);
        assertThat(slub.alloc(0, c, GFP)).isEqualTo(a);
        assertThat(slub.alloc(0, c, GFP)).as("a was on the free list once, not twice").isNotIn(a, b);
    }

    @Test
    void aPointerPastTheLastObjectIsInvalid() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-192", 192, 0, 0, null);
        long p = slub.alloc(0, c, GFP);
        long tail = p + 21 * 192; // 21 objects fill 4032 bytes of the order-0 slab
        slub.free(0, c, tail);
        assertThat(m.log.lines()).contains("BUG kmalloc-192 (Not tainted): Invalid object pointer 0x" + Long.toHexString(tail));
    }

    @Test
    void destroyWithObjectsLeftReportsAndKeepsTheCache() {
        TestMachine m = new TestMachine(1);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("leaky", 64, 0, 0, null);
        long p = slub.alloc(0, c, GFP);
        slub.alloc(0, c, GFP);
        assertThat(slub.destroyCache(0, c)).isFalse();
        assertThat(m.log.lines()).contains("BUG leaky (Not tainted): Objects remaining in leaky on __kmem_cache_shutdown()",
                "Object 0x" + Long.toHexString(p) + " @offset=0", "Object 0x" + Long.toHexString(p + 64) + " @offset=64",
                "kmem_cache_destroy leaky: Slab cache still has objects");
        assertThat(m.pages.slabsOut()).isEqualTo(1);
        slub.free(0, c, p);
        slub.free(0, c, p + 64);
        assertThat(slub.destroyCache(0, c)).isTrue();
        assertThat(m.pages.slabsOut()).isZero();
        assertThatThrownBy(() -> slub.alloc(0, c, GFP)).isInstanceOf(org.kmemu.api.KernelOopsException.class)
                .hasMessageContaining("the cache was destroyed");
    }

    @Test
    void destroyOfAnEmptyCacheFreesEverySlab() {
        TestMachine m = new TestMachine(4);
        SlubAllocator slub = m.slub();
        SlabCache c = slub.createCache("kmalloc-8", 8, 0, 0, null);
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            objs.add(slub.alloc(i % 4, c, GFP));
        }
        for (int i = 0; i < objs.size(); i++) {
            slub.free((i * 7) % 4, c, objs.get(i));
        }
        assertThat(slub.destroyCache(1, c)).isTrue();
        assertThat(m.pages.pagesOut()).isZero();
        assertThat(m.log.lines()).isEmpty();
    }
}
