package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.Page64kTestArch;
import org.kmemu.core.testing.TestMachines;

/**
 * kmalloc on a machine with 64 KiB pages: KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1 = 17, so the kmalloc
 * caches go up to kmalloc-128k and the cache array has 17 classes, not the 13 of 4 KiB pages
 * (include/linux/slab.h); kmalloc_large starts above 128 KiB and hands out 64 KiB pages.
 */
class SlabLayer64kTest {
    private final Machine m = TestMachines.boot(new Page64kTestArch(), 2L << 30, 2);
    private final SlabLayer slab = m.kernel().slab();
    private final Cpu cpu = m.mmu().cpu(0);

    @Test
    void theKmallocCachesGoUpToTwoPages() {
        List<String> names = slab.caches().stream().map(SlabCache::name).filter(n -> n.startsWith("kmalloc-")).toList();
        assertThat(names).containsExactly("kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96", "kmalloc-128",
                "kmalloc-192", "kmalloc-256", "kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
                "kmalloc-16k", "kmalloc-32k", "kmalloc-64k", "kmalloc-128k");
        assertThat(slab.caches().stream().map(SlabCache::name)).contains("dma-kmalloc-128k");
        assertThat(slab.kmallocSizes().maxCacheSize()).isEqualTo(128 << 10);
        assertThat(slab.kmallocSizes().maxSize()).as("PAGE_SIZE << MAX_PAGE_ORDER").isEqualTo(64L << 20);
    }

    @Test
    void requestsUpTo128KibAreSlabObjectsAndLargerOnesArePages() {
        long p = slab.kmalloc(cpu, 100_000, Gfp.GFP_KERNEL, "t");
        assertThat(p).isNotZero();
        assertThat(slab.ksize(p)).isEqualTo(128 << 10);
        assertThat(flags(p) & PageFlags.PG_SLAB).as("a kmalloc-128k object").isNotZero();
        long q = slab.kmalloc(cpu, (128 << 10) + 1, Gfp.GFP_KERNEL, "t");
        assertThat(q & 0xffff).as("64 KiB aligned").isZero();
        assertThat(flags(q) & PageFlags.PG_LARGE_KMALLOC).isNotZero();
        assertThat(slab.ksize(q)).as("get_order(128 KiB + 1) = 2 with 64 KiB pages").isEqualTo(256 << 10);
        long d = slab.kmalloc(cpu, 70_000, Gfp.GFP_KERNEL | Gfp.__GFP_DMA, "t");
        assertThat(slab.kmallocCache(70_000, Gfp.GFP_DMA).name()).isEqualTo("dma-kmalloc-128k");
        slab.kfree(cpu, p, "t");
        slab.kfree(cpu, q, "t");
        slab.kfree(cpu, d, "t");
        assertThat(slab.kmalloc(cpu, (64L << 20) + 1, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, "t")).isZero();
    }

    @Test
    void randomKmallocKfreeGivesEveryPageBack() {
        long before = m.nrFreePages();
        Random rnd = new Random(64);
        List<long[]> live = new ArrayList<>();
        for (int step = 0; step < 3000; step++) {
            if (live.isEmpty() || rnd.nextInt(100) < 55) {
                long size = 1 + rnd.nextInt(rnd.nextInt(8) == 0 ? 300_000 : 3000);
                long p = slab.kmalloc(cpu, size, Gfp.GFP_KERNEL, "t");
                assertThat(p).isNotZero();
                assertThat(slab.ksize(p)).isGreaterThanOrEqualTo(size);
                cpu.store8(p, (byte) step);
                cpu.store8(p + size - 1, (byte) ~step);
                live.add(new long[] {p, size, step});
            } else {
                long[] o = live.remove(rnd.nextInt(live.size()));
                assertThat(cpu.load8(o[0])).isEqualTo((byte) o[2]);
                assertThat(cpu.load8(o[0] + o[1] - 1)).isEqualTo((byte) ~o[2]);
                slab.kfree(cpu, o[0], "t");
            }
        }
        for (long[] o : live) {
            slab.kfree(cpu, o[0], "t");
        }
        slab.shrinkAll(cpu);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).isEqualTo(before);
    }

    private int flags(long p) {
        return m.pageFrames().flags(KernelServices.addressTranslation(m).virtToPage(p));
    }
}
