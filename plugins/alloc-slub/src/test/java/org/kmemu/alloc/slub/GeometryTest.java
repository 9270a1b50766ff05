package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kmemu.api.SlabFlags;

/** calculate_order, calculate_alignment, calculate_sizes and min_partial against hand-checked values. */
class GeometryTest {
    private static final int[] SIZES = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};

    /** Orders and objects per slab for SIZES, as "order/objects". */
    private static String table(int cpus) {
        SlubAllocator slub = new TestMachine(cpus).slub();
        StringBuilder out = new StringBuilder();
        for (int size : SIZES) {
            SlubCache c = (SlubCache) slub.createCache("kmalloc-" + size, size, 0, SlabFlags.SLAB_KMALLOC, null);
            assertThat(c.slotSize()).isEqualTo(size);
            out.append(size).append(':').append(c.order()).append('/').append(c.objectsPerSlab()).append(' ');
        }
        return out.toString().trim();
    }

    @Test
    void workedExamplesOfFacts52ForFourCpus() {
        // min_objects = 4 * (fls(4) + 1) = 16
        assertThat(table(4)).isEqualTo("8:0/512 16:0/256 32:0/128 64:0/64 96:0/42 128:0/32 192:0/21 256:0/16"
                + " 512:1/16 1024:2/16 2048:3/16 4096:3/8 8192:3/4");
    }

    @Test
    void oneCpuGivesMinObjectsEight() {
        assertThat(table(1)).isEqualTo("8:0/512 16:0/256 32:0/128 64:0/64 96:0/42 128:0/32 192:0/21 256:0/16"
                + " 512:0/8 1024:1/8 2048:2/8 4096:3/8 8192:3/4");
    }

    @Test
    void twoCpusGiveMinObjectsTwelve() {
        // 512 * 12 = 6144 → order 1 (16 objects), as for four CPUs
        assertThat(table(2)).isEqualTo("8:0/512 16:0/256 32:0/128 64:0/64 96:0/42 128:0/32 192:0/21 256:0/16"
                + " 512:1/16 1024:2/16 2048:3/16 4096:3/8 8192:3/4");
    }

    @Test
    void eightCpusGiveMinObjectsTwenty() {
        // 256 * 20 = 5120 → order 1; 1024 * 20 → order 3 with 32 objects, as real many-CPU slabinfo shows
        assertThat(table(8)).isEqualTo("8:0/512 16:0/256 32:0/128 64:0/64 96:0/42 128:0/32 192:0/21 256:1/32"
                + " 512:2/32 1024:3/32 2048:3/16 4096:3/8 8192:3/4");
    }

    @Test
    void sixtyFourCpusGiveMinObjectsThirtyTwo() {
        assertThat(table(64)).isEqualTo("8:0/512 16:0/256 32:0/128 64:0/64 96:0/42 128:0/32 192:1/42 256:1/32"
                + " 512:2/32 1024:3/32 2048:3/16 4096:3/8 8192:3/4");
    }

    @Test
    void minObjectsRule() {
        SlubOptions auto = new SlubOptions(0, 3, 0);
        assertThat(SlabGeometry.minObjects(auto, 1)).isEqualTo(8);
        assertThat(SlabGeometry.minObjects(auto, 4)).isEqualTo(16);
        assertThat(SlabGeometry.minObjects(auto, 8)).isEqualTo(20);
        assertThat(SlabGeometry.minObjects(new SlubOptions(0, 3, 5), 64)).isEqualTo(5);
    }

    @Test
    void bigObjectsFallBackToGetOrder() {
        // 12288: max_objects = 32768 / 12288 = 2, min_order = get_order(24576) = 3; at order 3 the
        // leftover 8192 is not ≤ 1/16 or 1/8 of the slab but is ≤ 1/4: order 3, 2 objects
        assertThat(SlabGeometry.calculateOrder(12288, 4, new SlubOptions(0, 3, 0), 12)).isEqualTo(3);
        // larger than slab_max_order: get_order(size)
        assertThat(SlabGeometry.calculateOrder(65536, 4, new SlubOptions(0, 3, 0), 12)).isEqualTo(4);
        assertThat(SlabGeometry.calculateOrder(8 << 20, 4, new SlubOptions(0, 3, 0), 12)).isEqualTo(-1);
    }

    @Test
    void minOrderOptionRaisesTheOrder() {
        assertThat(SlabGeometry.calculateOrder(64, 4, new SlubOptions(2, 3, 0), 12)).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({
        // objectSize, align, flags, expected align (64-byte lines)
        "20, 0, 0, 8",
        "20, 0, 0x2000, 32",
        "40, 0, 0x2000, 64",
        "16, 0, 0x2000, 16",
        "8, 0, 0x2000, 8",
        "100, 0, 0x2000, 64",
        "24, 128, 0, 128",
        "24, 4, 0, 8",
    })
    void calculateAlignment(int objectSize, int align, int flags, int expected) {
        assertThat(SlabGeometry.calculateAlignment(flags, align, objectSize, 64)).isEqualTo(expected);
    }

    @Test
    void freePointerMidObjectByDefault() {
        SlubAllocator slub = new TestMachine(4).slub();
        SlubCache c = (SlubCache) slub.createCache("c52", 52, 0, 0, null);
        assertThat(c.freePointerOffset()).isEqualTo(24); // ALIGN_DOWN(26, 8)
        assertThat(c.slotSize()).isEqualTo(56);
        SlubCache k8 = (SlubCache) slub.createCache("kmalloc-8", 8, 0, 0, null);
        assertThat(k8.freePointerOffset()).isZero();
    }

    @Test
    void freePointerAfterTheObjectWithCtorOrPoison() {
        SlubAllocator slub = new TestMachine(4).slub();
        SlubCache ctor = (SlubCache) slub.createCache("ctor", 52, 0, 0, p -> { });
        assertThat(ctor.freePointerOffset()).isEqualTo(56);
        assertThat(ctor.size()).isEqualTo(64);
        assertThat(ctor.slotSize()).isEqualTo(64);
        SlubCache poison = (SlubCache) slub.createCache("poison", 64, 0, SlabFlags.SLAB_POISON, null);
        assertThat(poison.freePointerOffset()).isEqualTo(64);
        assertThat(poison.size()).isEqualTo(72);
        assertThat(poison.slotSize()).isEqualTo(64); // slab_ksize: object_size when poisoning
        SlubCache rcu = (SlubCache) slub.createCache("rcu", 64, 0, SlabGeometry.SLAB_TYPESAFE_BY_RCU, null);
        assertThat(rcu.freePointerOffset()).isEqualTo(64);
        assertThat(rcu.slotSize()).isEqualTo(64); // s->inuse
        SlubCache hw = (SlubCache) slub.createCache("hw", 52, 0, SlabFlags.SLAB_HWCACHE_ALIGN, p -> { });
        assertThat(hw.slotSize()).isEqualTo(64);
        assertThat(hw.align()).isEqualTo(64);
    }

    @Test
    void minPartialIsClamped() {
        assertThat(SlabGeometry.minPartial(8)).isEqualTo(5);
        assertThat(SlabGeometry.minPartial(4096)).isEqualTo(6);
        assertThat(SlabGeometry.minPartial(16384)).isEqualTo(7);
        assertThat(SlabGeometry.minPartial(1 << 30)).isEqualTo(10);
    }

    @Test
    void getOrderAndFls() {
        assertThat(SlabGeometry.getOrder(1, 12)).isZero();
        assertThat(SlabGeometry.getOrder(4096, 12)).isZero();
        assertThat(SlabGeometry.getOrder(4097, 12)).isEqualTo(1);
        assertThat(SlabGeometry.getOrder(16384, 12)).isEqualTo(2);
        assertThat(SlabGeometry.fls(0)).isZero();
        assertThat(SlabGeometry.fls(64)).isEqualTo(7);
    }

    @Test
    void objectsBeyondMaxPageOrderAreRejected() {
        // Name, size and alignment are checked by the core before it calls the policy (SlabLayer).
        SlubAllocator slub = new TestMachine(4).slub();
        assertThat(slub.createCache("x", 8 << 20, 0, 0, null)).as("calculate_order's -ENOSYS: no cache").isNull();
        assertThat(slub.createCache("y", 4 << 20, 0, 0, null)).as("an order-10 slab holds 4 MiB").isNotNull();
    }
}
