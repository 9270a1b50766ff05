package org.kmemu.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kmalloc table value type and the kernel's default table (include/linux/slab.h, mm/slab_common.c). */
class KmallocSizesTest {

    private static List<String> names(KmallocSizes k) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k.classes(); i++) {
            out.add(k.name(i));
        }
        return out;
    }

    @Test
    void slabCommonOn4KibPagesIsKmalloc8To8kWith96And192() {
        KmallocSizes k = KmallocSizes.slabCommon(12, 8, 10);
        assertThat(names(k)).containsExactly("kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
                "kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k",
                "kmalloc-8k");
        assertThat(k.dmaName(4)).isEqualTo("dma-kmalloc-96");
        assertThat(k.maxCacheSize()).isEqualTo(8192);
        assertThat(k.maxSize()).isEqualTo(4L << 20);
        assertThat(k.header()).isZero();
        // kmalloc_index: 1-8 -> 8, 65-96 -> 96, 97-128 -> 128, 129-192 -> 192, 193-256 -> 256.
        long[][] cases = {{1, 8}, {8, 8}, {9, 16}, {33, 64}, {65, 96}, {96, 96}, {97, 128}, {129, 192}, {193, 256}, {8192, 8192}};
        for (long[] c : cases) {
            assertThat(k.size(k.classOf(c[0]))).as("kmalloc(%d)", c[0]).isEqualTo((int) c[1]);
        }
        assertThat(k.classOf(8193)).as("kmalloc_large").isEqualTo(-1);
    }

    @Test
    void kmallocMinSizeDropsTheSmallClassesAnd96And192() {
        assertThat(names(KmallocSizes.slabCommon(12, 32, 10))).startsWith("kmalloc-32", "kmalloc-64", "kmalloc-96", "kmalloc-128",
                "kmalloc-192");
        assertThat(names(KmallocSizes.slabCommon(12, 64, 10))).startsWith("kmalloc-64", "kmalloc-128", "kmalloc-192");
        assertThat(names(KmallocSizes.slabCommon(12, 128, 10))).startsWith("kmalloc-128", "kmalloc-256");
    }

    @Test
    void the64KibPageTableGoesTo128k() {
        KmallocSizes k = KmallocSizes.slabCommon(16, 8, 10);
        assertThat(k.classes()).isEqualTo(17);
        assertThat(k.name(16)).isEqualTo("kmalloc-128k");
        assertThat(k.maxSize()).isEqualTo(64L << 20);
    }

    @Test
    void withoutCachesHasNoClassesButAHeader() {
        KmallocSizes k = KmallocSizes.withoutCaches(4087, 8, 4L << 20);
        assertThat(k.hasCaches()).isFalse();
        assertThat(k.classOf(10)).isEqualTo(-1);
        assertThat(k.header()).isEqualTo(8);
        assertThat(k.maxCacheSize()).isEqualTo(4087);
    }

    @Test
    void badTablesAreRefused() {
        String[] two = {"a", "b"};
        String[] dma = {"da", "db"};
        assertThatThrownBy(() -> KmallocSizes.ofCaches(new int[] {64, 32}, two, dma, 64))
                .hasMessageContaining("(expected: positive, ascending)");
        assertThatThrownBy(() -> KmallocSizes.ofCaches(new int[] {32, 64}, new String[] {"a", "a"}, dma, 64))
                .hasMessageContaining("(expected: each name once)");
        assertThatThrownBy(() -> KmallocSizes.ofCaches(new int[] {32, 64}, two, dma, 63))
                .hasMessageContaining("maxSize: 63 (expected: at least the largest class, 64)");
        assertThatThrownBy(() -> KmallocSizes.ofCaches(new int[0], new String[0], new String[0], 8))
                .hasMessageContaining("expected: at least one class");
        assertThatThrownBy(() -> KmallocSizes.withoutCaches(100, 8, 99)).hasMessageContaining("maxCacheSize <= maxSize");
        assertThatThrownBy(() -> KmallocSizes.slabCommon(12, 12, 10)).hasMessageContaining("kmallocMinSize: 12");
    }

    @Test
    void theArraysHandedInAreCopied() {
        int[] sizes = {32, 64};
        String[] names = {"a", "b"};
        KmallocSizes k = KmallocSizes.ofCaches(sizes, names, new String[] {"da", "db"}, 64);
        sizes[0] = 48;
        names[0] = "x";
        assertThat(k.size(0)).isEqualTo(32);
        assertThat(k.name(0)).isEqualTo("a");
    }
}
