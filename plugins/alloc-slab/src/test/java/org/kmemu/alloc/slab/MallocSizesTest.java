package org.kmemu.alloc.slab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KmallocSizes;

/** SLAB's general caches of Linux 3.7 (include/linux/kmalloc_sizes.h, include/linux/slab.h). */
class MallocSizesTest {

    private static List<Integer> sizes(KmallocSizes k) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < k.classes(); i++) {
            out.add(k.size(i));
        }
        return out;
    }

    @Test
    void i386WithA64ByteLineHasSize192ButNoSize96AndGoesUpTo4MiB() {
        KmallocSizes k = MallocSizes.of(12, 64, 10);
        assertThat(sizes(k)).startsWith(32, 64, 128, 192, 256, 512, 1024).endsWith(131072, 262144, 524288, 1048576,
                2097152, 4194304);
        assertThat(k.name(0)).isEqualTo("size-32");
        assertThat(k.dmaName(3)).isEqualTo("size-192(DMA)");
        // KMALLOC_SHIFT_HIGH = min(MAX_ORDER + PAGE_SHIFT - 1, 25) = 22: no kmalloc_large, nothing above 4 MiB.
        assertThat(k.maxCacheSize()).isEqualTo(4L << 20);
        assertThat(k.maxSize()).isEqualTo(4L << 20);
        // __find_general_cachep: the first size that holds the request.
        assertThat(k.size(k.classOf(1))).isEqualTo(32);
        assertThat(k.size(k.classOf(72))).as("65..128 -> size-128 without size-96").isEqualTo(128);
        assertThat(k.size(k.classOf(132))).isEqualTo(192);
        assertThat(k.size(k.classOf(42284))).isEqualTo(65536);
        assertThat(k.classOf((4L << 20) + 1)).isEqualTo(-1);
    }

    @Test
    void theL1LineDecidesSize96AndSize192() {
        assertThat(sizes(MallocSizes.of(12, 32, 10))).startsWith(32, 64, 96, 128, 192, 256);
        assertThat(sizes(MallocSizes.of(12, 128, 10))).startsWith(32, 64, 128, 256);
    }

    @Test
    void with64KibPagesThereIsNoSize32AndKmallocMaxSizeIsCappedAt32MiB() {
        KmallocSizes k = MallocSizes.of(16, 128, 10);
        assertThat(sizes(k)).startsWith(64, 128, 256);
        // min(10 + 16, 25) = 25.
        assertThat(k.maxSize()).isEqualTo(32L << 20);
        assertThat(k.name(k.classes() - 1)).isEqualTo("size-33554432");
    }
}
