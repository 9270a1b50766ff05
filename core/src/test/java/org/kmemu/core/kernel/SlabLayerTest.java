package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.KmallocSizes;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabFlags;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.proc.ProcFs;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.TraceBuffer;

/** The core's kmalloc layer over a plain test policy. */
class SlabLayerTest {
    private final Machine m = TestMachines.x86_64(1L << 30);
    private final TraceBuffer trace = new TraceBuffer(10_000, m.cpus());
    private final PageApi pages = KernelServices.pageApi(m, trace);
    private final SlabLayer slab = KernelServices.slabLayer(m, pages, new SimpleSlabPolicy(),
            new TypesafeConfigView(ConfigFactory.empty(), "kmemu.object-allocator.simple"), trace);
    private final Cpu cpu = m.mmu().cpu(0);

    @Test
    void theKmallocCachesAreLinuxsSizeClasses() {
        List<String> names = slab.caches().stream().map(SlabCache::name).filter(n -> n.startsWith("kmalloc-")).toList();
        assertThat(names).containsExactly("kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96", "kmalloc-128",
                "kmalloc-192", "kmalloc-256", "kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k");
        assertThat(slab.caches().stream().map(SlabCache::name)).contains("dma-kmalloc-64");
        // kmalloc_index: 1-8 -> 8, 65-96 -> 96, 129-192 -> 192, 193-256 -> 256, 4097-8192 -> 8k.
        long[][] cases = {{1, 8}, {8, 8}, {9, 16}, {33, 64}, {65, 96}, {96, 96}, {97, 128}, {129, 192}, {193, 256}, {8192, 8192}};
        for (long[] c : cases) {
            assertThat(slab.kmallocCache(c[0], Gfp.GFP_KERNEL).objectSize()).as("kmalloc(%d)", c[0]).isEqualTo((int) c[1]);
        }
        assertThat(slab.kmallocCache(64, Gfp.GFP_DMA).name()).isEqualTo("dma-kmalloc-64");
    }

    private SlabLayer layer(SimpleSlabPolicy policy) {
        return KernelServices.slabLayer(m, pages, policy, new TypesafeConfigView(ConfigFactory.empty(), "kmemu.object-allocator.simple"),
                trace);
    }

    /** A SLAB-of-3.x-like table: the policy's names and classes, every size up to the last from a cache. */
    @Test
    void thePolicysTableDecidesTheCachesAndWhetherThereIsAKmallocLarge() {
        KmallocSizes table = KmallocSizes.ofCaches(new int[] {32, 64, 128, 192, 256, 65536}, new String[] {"size-32", "size-64",
            "size-128", "size-192", "size-256", "size-65536"}, new String[] {"size-32(DMA)", "size-64(DMA)", "size-128(DMA)",
            "size-192(DMA)", "size-256(DMA)", "size-65536(DMA)"}, 65536);
        SlabLayer own = layer(new SimpleSlabPolicy(ctx -> table, true));
        assertThat(own.caches().stream().map(SlabCache::name)).startsWith("size-32", "size-32(DMA)", "size-64")
                .noneMatch(n -> n.startsWith("kmalloc-"));
        assertThat(own.kmallocCache(1, Gfp.GFP_KERNEL).name()).isEqualTo("size-32");
        assertThat(own.kmallocCache(72, Gfp.GFP_KERNEL).name()).as("no class between 64 and 128").isEqualTo("size-128");
        assertThat(own.kmallocCache(129, Gfp.GFP_DMA).name()).isEqualTo("size-192(DMA)");
        trace.setEnabled(true);
        long p = own.kmalloc(cpu, 9000, Gfp.GFP_KERNEL, "t");
        assertThat(own.ksize(p)).as("a cache object, not compound pages").isEqualTo(65536);
        assertThat(m.pageFrames().flags(KernelServices.addressTranslation(m).virtToPage(p)) & org.kmemu.core.mm.PageFlags.PG_SLAB).isNotZero();
        assertThat(trace.events()).anySatisfy(e -> assertThat(e).contains("bytes_req=9000 bytes_alloc=65536"));
        own.kfree(cpu, p, "t");
        assertThat(own.kmalloc(cpu, 65537, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, "t")).as("beyond KMALLOC_MAX_SIZE").isZero();
    }

    /** SLOB's shape: no caches, the policy's kmalloc, bytes_alloc = request + header, large from the page allocator. */
    @Test
    void aPolicyWithoutClassesServesKmallocItselfAndHasNoSlabinfo() {
        SlabLayer own = layer(new SimpleSlabPolicy(ctx -> KmallocSizes.withoutCaches(4096 - 9, 8, 4L << 20), false));
        assertThat(own.caches()).isEmpty();
        assertThat(own.procSlabinfo()).isFalse();
        trace.setEnabled(true);
        long p = own.kzalloc(cpu, 22, Gfp.GFP_KERNEL, "t");
        assertThat(p).isNotZero();
        assertThat(cpu.load64(p + 8)).isZero();
        assertThat(own.ksize(p)).as("the policy's ksize: its 32-byte slot").isEqualTo(32);
        long big = own.kmalloc(cpu, 4088, Gfp.GFP_KERNEL, "t");
        assertThat(own.ksize(big)).as("PAGE_SIZE - 8 and up: kmalloc_large").isEqualTo(4096);
        assertThat(trace.events()).anySatisfy(e -> assertThat(e).contains("bytes_req=22 bytes_alloc=30"))
                .anySatisfy(e -> assertThat(e).contains("bytes_req=4088 bytes_alloc=4096"));
        own.kfree(cpu, p, "t");
        own.kfree(cpu, big, "t");
        assertThat(m.log().texts()).noneSatisfy(l -> assertThat(l).contains("WARNING"));
    }

    @Test
    void slabinfoExistsOnlyWhereThePolicysKernelHadIt() {
        Machine slob = TestMachines.boot(new org.kmemu.core.testing.X86_64TestArch(), 256L << 20, 1,
                new SimpleSlabPolicy(ctx -> KmallocSizes.withoutCaches(4096 - 9, 8, 4L << 20), false));
        assertThat(new ProcFs(slob).exists("slabinfo")).isFalse();
        assertThatThrownBy(() -> new ProcFs(slob).read("slabinfo")).hasMessageStartingWith("/proc/slabinfo: No such file or directory");
        assertThat(new ProcFs(m).exists("slabinfo")).isTrue();
    }

    @Test
    void zeroNullAndLargeAllocations() {
        assertThat(slab.kmalloc(cpu, 0, Gfp.GFP_KERNEL, "t")).isEqualTo(SlabLayer.ZERO_SIZE_PTR);
        slab.kfree(cpu, 0, "t");
        slab.kfree(cpu, SlabLayer.ZERO_SIZE_PTR, "t");
        assertThat(slab.ksize(SlabLayer.ZERO_SIZE_PTR)).isZero();
        long free = m.nrFreePages();
        long big = slab.kmalloc(cpu, 8193, Gfp.GFP_KERNEL, "t");
        assertThat(big & 0xfff).as("page aligned").isZero();
        assertThat(slab.ksize(big)).isEqualTo(16384);
        assertThat(m.nrFreePages()).isEqualTo(free - 4);
        slab.kfree(cpu, big, "t");
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(slab.kmalloc(cpu, (4L << 20) + 1, Gfp.GFP_KERNEL, "t")).as("beyond KMALLOC_MAX_SIZE").isZero();
        assertThat(m.log().texts()).anySatisfy(l -> assertThat(l).contains("larger than KMALLOC_MAX_SIZE"));
    }

    @Test
    void kzallocKcallocAndTheOverflowCheck() {
        long p = slab.kmalloc(cpu, 64, Gfp.GFP_KERNEL, "t");
        cpu.store64(p, -1);
        slab.kfree(cpu, p, "t");
        long z = slab.kzalloc(cpu, 64, Gfp.GFP_KERNEL, "t");
        assertThat(cpu.load64(z)).isZero();
        assertThat(slab.kcalloc(cpu, Long.MAX_VALUE / 2, 4, Gfp.GFP_KERNEL, "t")).as("n * size overflows").isZero();
        long arr = slab.kcalloc(cpu, 10, 12, Gfp.GFP_KERNEL, "t");
        assertThat(slab.ksize(arr)).isEqualTo(128);
    }

    @Test
    void kreallocKeepsContentsAndReusesInPlaceWhenItFits() {
        long p = slab.kmalloc(cpu, 70, Gfp.GFP_KERNEL, "t");
        assertThat(slab.ksize(p)).as("kmalloc-96's slot").isEqualTo(96);
        cpu.store64(p + 8, 0x1234);
        assertThat(slab.krealloc(cpu, p, 90, Gfp.GFP_KERNEL, "t")).isEqualTo(p);
        long q = slab.krealloc(cpu, p, 300, Gfp.GFP_KERNEL, "t");
        assertThat(q).isNotEqualTo(p);
        assertThat(cpu.load64(q + 8)).isEqualTo(0x1234);
        assertThat(slab.krealloc(cpu, q, 0, Gfp.GFP_KERNEL, "t")).isEqualTo(SlabLayer.ZERO_SIZE_PTR);
        assertThat(slab.krealloc(cpu, 0, 10, Gfp.GFP_KERNEL, "t")).isNotZero();
    }

    @Test
    void kmemCacheWithAlignmentAndConstructor() {
        List<Long> constructed = new ArrayList<>();
        SlabCache c = slab.kmemCacheCreate("test_obj", 40, 0, SlabFlags.SLAB_HWCACHE_ALIGN, constructed::add);
        long o = slab.kmemCacheAlloc(cpu, c, Gfp.GFP_KERNEL, "t");
        assertThat(o % 64).isZero();
        assertThat(constructed).contains(o).hasSize(4096 / 64);
        slab.kmemCacheFree(cpu, c, o, "t");
        assertThat(slab.kmemCacheDestroy(cpu, c)).isTrue();
    }

    @Test
    void kmemCacheCreateRefusesWhatSlabCommonRefusesWithNullAndItsWarning() {
        assertThat(slab.kmemCacheCreate("", 8, 0, 0, null)).isNull();
        assertThat(m.log().texts()).contains("kmem_cache_create() integrity check failed",
                "kmem_cache_create_usercopy() failed with error -22");
        assertThat(slab.kmemCacheCreate("zero", 0, 0, 0, null)).isNull();
        assertThat(m.log().texts()).contains("kmem_cache_create(zero) integrity check failed",
                "kmem_cache_create_usercopy(zero) failed with error -22");
        assertThat(slab.kmemCacheCreate("odd", 8, 12, 0, null)).isNull();
        assertThat(m.log().texts()).contains("kmem_cache_create(odd): align 12 (expected: 0 or a power of two)",
                "kmem_cache_create_usercopy(odd) failed with error -22");
    }

    @Test
    void kfreeOfSomethingKmallocDidNotReturnIsReported() {
        long page = pages.getFreePages(cpu, Gfp.GFP_KERNEL, 0);
        slab.kfree(cpu, page, "t");
        assertThat(m.log().texts()).contains("page dumped because: Not a kmalloc allocation");
        assertThatThrownBy(() -> slab.kfree(cpu, m.layout().vmallocStart(), "t")).isInstanceOf(KernelBugException.class);
        pages.freePagesVirt(cpu, page, 0);
    }

    @Test
    void eventsUseFtracesKmemFormat() {
        trace.setEnabled(true);
        long p = slab.kmalloc(cpu, 29, Gfp.GFP_KERNEL, "c104de4f");
        slab.kfree(cpu, p, "c104e161");
        slab.kfree(cpu, 0, "c10c283a");
        List<String> kmem = trace.events().stream().filter(e -> !e.contains("mm_page_")).toList();
        assertThat(trace.events()).as("the slab's page came from the page allocator").anySatisfy(e -> assertThat(e).contains("mm_page_alloc:"));
        assertThat(kmem.get(0)).endsWith("kmalloc: call_site=c104de4f ptr=" + Long.toHexString(p)
                + " bytes_req=29 bytes_alloc=32 gfp_flags=GFP_KERNEL");
        assertThat(kmem.get(1)).endsWith("kfree: call_site=c104e161 ptr=" + Long.toHexString(p));
        assertThat(kmem.get(2)).endsWith("kfree: call_site=c10c283a ptr=  (null)");
    }

    @Test
    void randomKmallocKfreeKeepsObjectsDisjointAndContentsIntactAndGivesEveryPageBack() {
        long before = m.nrFreePages();
        Random rnd = new Random(42);
        List<long[]> live = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (live.isEmpty() || rnd.nextInt(100) < 60) {
                long size = 2 + rnd.nextInt(rnd.nextInt(10) == 0 ? 20000 : 600);
                long p = slab.kmalloc(cpu, size, Gfp.GFP_KERNEL, "t");
                assertThat(p).isNotZero();
                for (long[] o : live) {
                    assertThat(p + size <= o[0] || o[0] + o[1] <= p).as("overlap with %s", Long.toHexString(o[0])).isTrue();
                }
                cpu.store8(p, (byte) step);
                cpu.store8(p + size - 1, (byte) (step * 3));
                live.add(new long[] {p, size, step});
            } else {
                long[] o = live.remove(rnd.nextInt(live.size()));
                assertThat(cpu.load8(o[0])).isEqualTo((byte) o[2]);
                assertThat(cpu.load8(o[0] + o[1] - 1)).isEqualTo((byte) (o[2] * 3));
                slab.kfree(cpu, o[0], "t");
            }
        }
        for (long[] o : live) {
            slab.kfree(cpu, o[0], "t");
        }
        slab.shrinkAll(cpu);
        assertThat(m.nrFreePages()).isEqualTo(before);
    }
}
