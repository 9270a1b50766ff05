package org.kmemu.alloc.slob;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabFlags;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.SlabFixtures;

/** SLOB's heap with its slob_t headers read back from RAM (mm/slob.c set_slob / slob_free). */
class SlobHeapTest {
    private static final int PAGE = 4096;

    private SlabFixtures m;
    private SlobAllocator a;

    private void boot(ByteOrder order, boolean keepEmptyPage) {
        m = new SlabFixtures(PluginConfigs.of(SlobPolicy.class, "kmemu.object-allocator.slob",
                "keep-empty-page = " + keepEmptyPage), 1, 16L << 20, order, 64);
        a = (SlobAllocator) new SlobPolicy().create(m);
    }

    /** The raw slob_t at {@code vaddr}, read straight from RAM. */
    private short unit(long vaddr) {
        return m.ram().readShort(vaddr - SlabFixtures.PAGE_OFFSET);
    }

    private long alloc(SlabCache c) {
        long p = a.alloc(0, c, Gfp.GFP_KERNEL);
        assertThat(p).isNotZero();
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"LITTLE_ENDIAN", "BIG_ENDIAN"})
    void firstFitSplitsTheBlockAndLeavesItsHeaderInRam(String order) {
        boot(order.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, false);
        SlabCache c = a.createCache("t-100", 100, 0, 0, null);
        long p = alloc(c);
        assertThat(p & (PAGE - 1)).as("first fit: the page's first byte").isZero();
        // The rest of the page: 2048 - 50 = 1998 units at byte 100, next = page end (2048).
        assertThat(unit(p + 100)).isEqualTo((short) 1998);
        assertThat(unit(p + 102)).isEqualTo((short) 2048);
        long q = alloc(c);
        // 8-byte alignment: the 4-byte prefix at 100 is split off as a free block of 2 units.
        assertThat(q).isEqualTo(p + 104);
        assertThat(unit(p + 100)).isEqualTo((short) 2);
        assertThat(unit(p + 102)).as("next free block, in units").isEqualTo((short) (204 / 2));
        assertThat(unit(p + 204)).isEqualTo((short) (2048 - 102));
        assertThat(c.slotSize()).as("ksize: whole units").isEqualTo(100);
    }

    @Test
    void oneUnitBlocksStoreMinusTheNextOffset() {
        boot(ByteOrder.LITTLE_ENDIAN, false);
        SlabCache c = a.createCache("t-6", 6, 0, 0, null);
        long p = alloc(c);
        long q = alloc(c);
        assertThat(q).isEqualTo(p + 8);
        // The unit at 6 is a 1-unit free block: -(offset of the next free block, at byte 14 = unit 7).
        assertThat(unit(p + 6)).isEqualTo((short) -7);
    }

    @Test
    void freeMergesWithBothNeighboursAndAnEmptyPageGoesBack() {
        boot(ByteOrder.LITTLE_ENDIAN, false);
        SlabCache c = a.createCache("t-64", 64, 0, 0, null);
        long p0 = alloc(c);
        long p1 = alloc(c);
        long p2 = alloc(c);
        long p3 = alloc(c);
        assertThat(new long[] {p1, p2, p3}).containsExactly(p0 + 64, p0 + 128, p0 + 192);
        a.free(0, c, p1);
        // p1 is now the page's first free block: 32 units, next at byte 256 (unit 128).
        assertThat(unit(p1)).isEqualTo((short) 32);
        assertThat(unit(p1 + 2)).isEqualTo((short) 128);
        a.free(0, c, p2); // merges with p1 (before) and the tail is not adjacent (p3 in between)
        assertThat(unit(p1)).isEqualTo((short) 64);
        assertThat(unit(p1 + 2)).isEqualTo((short) 128);
        a.free(0, c, p3); // merges p1..p3 and the tail into one block
        assertThat(unit(p1)).isEqualTo((short) (2048 - 32));
        assertThat(unit(p1 + 2)).isEqualTo((short) 2048);
        assertThat(alloc(c)).as("first fit takes the lowest free block").isEqualTo(p1);
        a.free(0, c, p1);
        assertThat(m.pagesOut()).isEqualTo(1);
        a.free(0, c, p0);
        assertThat(m.pagesOut()).as("an entirely free page goes back at once").isZero();
        assertThat(m.recordingLog().lines()).isEmpty();
    }

    @Test
    void threeListsBySizeNeverShareAPageBetweenThem() {
        boot(ByteOrder.LITTLE_ENDIAN, false);
        SlabCache small = a.createCache("t-255", 255, 0, 0, null);
        SlabCache medium = a.createCache("t-256", 256, 0, 0, null);
        SlabCache large = a.createCache("t-1024", 1024, 0, 0, null);
        long s = alloc(small);
        long md = alloc(medium);
        long l = alloc(large);
        assertThat(s >>> 12).isNotEqualTo(md >>> 12).isNotEqualTo(l >>> 12);
        assertThat(md >>> 12).isNotEqualTo(l >>> 12);
        SlobHeap h = a.heap();
        assertThat(h.listPages(SlobHeap.SMALL)).extracting(p -> p.addr).containsExactly(s);
        assertThat(h.listPages(SlobHeap.MEDIUM)).extracting(p -> p.addr).containsExactly(md);
        assertThat(h.listPages(SlobHeap.LARGE)).extracting(p -> p.addr).containsExactly(l);
        // Pages are shared by all caches of a size class.
        SlabCache other = a.createCache("t-40", 40, 0, 0, null);
        long o = alloc(other);
        assertThat(o >>> 12).isEqualTo(s >>> 12);
        assertThat(a.cacheOf(o)).isSameAs(other);
        assertThat(a.cacheOf(s + 254)).isSameAs(small);
    }

    @Test
    void theSearchStartsAtThePageOfTheLastSuccess() {
        boot(ByteOrder.LITTLE_ENDIAN, false);
        SlabCache c = a.createCache("t-200", 200, 0, 0, null);
        SlabCache big = a.createCache("t-248", 248, 0, 0, null);
        // Fill pages: 20 * 200 bytes = 4000 of 4096 each.
        long[] first = new long[20];
        for (int i = 0; i < 20; i++) {
            first[i] = alloc(c);
        }
        long pageA = first[0] & ~(PAGE - 1L);
        long b0 = alloc(c);
        long pageB = b0 & ~(PAGE - 1L);
        assertThat(pageB).isNotEqualTo(pageA);
        SlobHeap h = a.heap();
        assertThat(h.listPages(SlobHeap.SMALL)).extracting(p -> p.addr).containsExactly(pageB, pageA);
        a.free(0, c, first[5]); // page A: one 200-byte hole at 1000 and 96 bytes at the end
        long x = alloc(big); // 248 bytes: B (the head) has room; it stays first
        assertThat(x & ~(PAGE - 1L)).isEqualTo(pageB);
        long y = alloc(c); // first page with room is B again
        assertThat(y & ~(PAGE - 1L)).isEqualTo(pageB);
        // Fill B so that only A's hole fits a 200-byte object: the list turns to start at A.
        while (true) {
            long p = alloc(c);
            if ((p & ~(PAGE - 1L)) != pageB) {
                assertThat(p).as("A's hole").isEqualTo(first[5]);
                break;
            }
        }
        assertThat(h.listPages(SlobHeap.SMALL)).extracting(p -> p.addr).startsWith(pageA);
    }

    @Test
    void objectsOfAPageOrMoreComeFromThePageAllocatorWithTheirOrder() {
        boot(ByteOrder.LITTLE_ENDIAN, false);
        SlabCache c = a.createCache("t-5000", 5000, 0, 0, null);
        assertThat(c.slotSize()).isEqualTo(2 * PAGE);
        long p = alloc(c);
        assertThat(p & (2 * PAGE - 1)).as("an order-1 block").isZero();
        assertThat(m.pagesOut()).isEqualTo(2);
        assertThat(a.cacheOf(p + 4999)).isSameAs(c);
        assertThat(a.heap().heapPages).isEmpty();
        a.free(0, c, p);
        assertThat(m.pagesOut()).isZero();
        assertThat(a.cacheOf(p)).isNull();
    }

    @Test
    void kmallocBlocksCarryTheirSizeInAHeaderBeforeTheObject() {
        boot(ByteOrder.BIG_ENDIAN, false);
        long p = a.kmalloc(0, 64, Gfp.GFP_KERNEL);
        assertThat(p % 64).as("power-of-two kmalloc sizes are aligned to their size").isZero();
        assertThat(m.readInt(p - 8)).isEqualTo(64);
        assertThat(a.ksize(p)).isEqualTo(64);
        long q = a.kmalloc(0, 37, Gfp.GFP_KERNEL);
        assertThat(m.readInt(q - 8)).as("the size asked, not a class").isEqualTo(37);
        assertThat(a.ksize(q)).as("SLOB_UNITS(37) * SLOB_UNIT").isEqualTo(38);
        assertThat(a.cacheOf(q + 36)).isSameAs(a.cacheOf(q)).isNotNull();
        assertThat(a.cacheOf(q + 38)).as("past the object").isNotSameAs(a.cacheOf(q));
        long r = a.kmalloc(0, 10, Gfp.GFP_KERNEL);
        a.free(0, a.cacheOf(p), p);
        a.free(0, a.cacheOf(q), q);
        a.free(0, a.cacheOf(r), r);
        assertThat(m.pagesOut()).isZero();
        assertThat(m.recordingLog().lines()).isEmpty();
    }

    @Test
    void constructorRunsOnEveryAllocation() {
        boot(ByteOrder.LITTLE_ENDIAN, false);
        int[] calls = new int[1];
        SlabCache c = a.createCache("t-ctor", 32, 0, 0, objp -> calls[0]++);
        long p = alloc(c);
        a.free(0, c, p);
        alloc(c);
        assertThat(calls[0]).isEqualTo(2);
    }

    @Test
    void destroyFailsWhileObjectsLiveAndAWrongCacheFreeIsReported() {
        boot(ByteOrder.LITTLE_ENDIAN, true);
        SlabCache c = a.createCache("t-a", 32, 0, 0, null);
        SlabCache d = a.createCache("t-b", 48, 0, 0, null);
        long p = alloc(c);
        assertThat(a.destroyCache(0, c)).isFalse();
        assertThat(m.recordingLog().lines()).anySatisfy(l -> assertThat(l).contains("Slab cache still has objects"));
        a.free(0, d, p);
        assertThat(m.recordingLog().lines())
                .anySatisfy(l -> assertThat(l).contains("Wrong slab cache. t-b but object is from t-a"));
        assertThat(a.slabInfo(c).activeObjs()).isZero();
        assertThat(m.pagesOut()).as("kept empty page").isEqualTo(1);
        assertThat(a.destroyCache(0, c)).isTrue();
        assertThat(m.pagesOut()).isZero();
    }
}
