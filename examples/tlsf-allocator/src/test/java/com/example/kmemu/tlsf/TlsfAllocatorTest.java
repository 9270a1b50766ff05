package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.api.Gfp.GFP_ATOMIC;
import static org.kmemu.api.Gfp.GFP_DMA;
import static org.kmemu.api.Gfp.GFP_HIGHUSER;
import static org.kmemu.api.Gfp.GFP_KERNEL;
import static org.kmemu.api.Gfp.__GFP_HIGHMEM;
import static org.kmemu.api.Gfp.__GFP_MEMALLOC;
import static org.kmemu.api.Gfp.__GFP_NOWARN;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigException;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.ZoneFixtures;

/** The page allocator around the zones: bad frees, split_page, watermarks, zone fallback, config. */
class TlsfAllocatorTest {
    private static final String NO_RESERVE = "min-free-kbytes = 0";
    private static final long BASE = 0x1000;

    @Test
    void badFreesAreReportedWithWhatThePageReallyIsAndIgnored() {
        Booted b = Booted.normal(BASE, 64, NO_RESERVE);
        long block = b.alloc(GFP_KERNEL, 2);
        long other = b.alloc(GFP_KERNEL, 0);
        b.free(other, 0);
        b.log().clear();

        b.allocator().freePages(0, block + 1, 0);
        b.allocator().freePages(0, block, 1);
        b.allocator().freePages(0, other + 3, 0);
        b.allocator().freePages(0, BASE + 64, 0);
        assertThat(b.log().lines()).containsExactly(
                "BUG: Bad page state in process tck/0  pfn:01001",
                "page dumped because: tail page of the allocated order-2 block at pfn:01000 (expected: the block's head page)",
                "BUG: Bad page state in process tck/0  pfn:01000",
                "page dumped because: freed with order 1 but allocated with order 2",
                "BUG: Bad page state in process tck/0  pfn:01007",
                "page dumped because: double free: page lies inside the free range of 60 pages at pfn:01004",
                "BUG: Bad page state in process tck/0  pfn:01040",
                "page dumped because: pfn outside every zone");
        assertThat(b.allocator().nrBadPages()).isEqualTo(4);
        assertThat(b.allocator().nrFreePages(ZoneType.NORMAL)).isEqualTo(60);
        b.check();
    }

    @Test
    void aPageNeverHandedOutIsReportedAsSuch() {
        Booted b = Booted.bareNormal(BASE, 64, NO_RESERVE);
        b.allocator().freeBootMemory(BASE + 8, 8);
        b.allocator().freePages(0, BASE + 2, 0);
        b.allocator().freePages(0, BASE + 20, 0);
        assertThat(b.log().lines()).filteredOn(l -> l.startsWith("page dumped")).containsExactly(
                "page dumped because: page was never allocated (not handed out by the page allocator)",
                "page dumped because: page was never allocated (not handed out by the page allocator)");
        b.check();
    }

    @Test
    void splitPageLetsEachPageBeFreedOnItsOwn() {
        Booted b = Booted.normal(BASE, 64, NO_RESERVE);
        long block = b.alloc(GFP_KERNEL, 3);
        b.allocator().splitPage(block, 3);
        assertThatThrownBy(() -> b.allocator().splitPage(block, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("splitPage: pfn:01000 order 3 (expected: an allocated block)");
        for (long p = block + 7; p >= block; p--) {
            b.free(p, 0);
            b.check();
        }
        assertThat(TlsfChecker.ranges(b.zone(ZoneType.NORMAL))).isEqualTo(Map.of(0, 64));
        assertThat(b.log().lines()).isEmpty();
    }

    @Test
    void highmemIsPreferredWhenAllowedAndLowerZonesTakeOverWhenItRunsOut() {
        Booted b = Booted.of(ZoneFixtures.i386(), ZoneFixtures.i386Types(), NO_RESERVE);
        long high = b.alloc(GFP_HIGHUSER, 4);
        assertThat(b.allocator().zone(ZoneType.HIGHMEM).span.contains(high)).isTrue();
        // HighMem serves until its min watermark (32 pages at least, mm/page_alloc.c); then Normal does.
        long pfn = high;
        int guard = 0;
        while (b.zones().get(2).contains(pfn)) {
            pfn = b.alloc(GFP_HIGHUSER, 0);
            assertThat(++guard).isLessThan(16384);
        }
        assertThat(b.zones().get(1).contains(pfn)).as("Normal after HighMem").isTrue();
        ZoneStats highmem = b.allocator().zoneStats(ZoneType.HIGHMEM);
        // get_page_from_freelist() tries every zone against WMARK_LOW before the slow path tries WMARK_MIN:
        // HighMem stops at its low mark, 32 + 16384 * 10 / 10000 pages.
        assertThat(highmem.watermarkMin()).isEqualTo(32);
        assertThat(highmem.freePages()).isEqualTo(highmem.watermarkLow()).isEqualTo(32 + 16);
        long dma = b.alloc(GFP_DMA, 0);
        assertThat(b.zones().get(0).contains(dma)).isTrue();
        b.check();
    }

    @Test
    void watermarksAndLowmemReserveStopOrdinaryAllocationsAndLetReservesThrough() {
        Booted b = Booted.of(ZoneFixtures.i386(), ZoneFixtures.i386Types());
        ZoneStats dma = b.allocator().zoneStats(ZoneType.DMA);
        ZoneStats normal = b.allocator().zoneStats(ZoneType.NORMAL);
        assertThat(normal.watermarkMin()).as("min_free_kbytes = 128 kB (the floor) shared by lowmem").isPositive();
        // lowmem_reserve of DMA against Normal allocations: Normal's 12288 managed pages / ratio 256.
        long dmaReserveForNormal = 12288 / 256;
        // "protection:" order on i386: DMA, Normal, HighMem, Movable.
        assertThat(dma.lowmemReserve()).containsExactly(0, dmaReserveForNormal, (12288 + 16384) / 256, (12288 + 16384) / 256);

        while (b.alloc(GFP_KERNEL | __GFP_NOWARN, 0) != PageAllocator.NO_PFN) {
            // GFP_KERNEL's slow path stops at WMARK_MIN (+ the reserve) in each lowmem zone
        }
        assertThat(b.allocator().nrFreePages(ZoneType.NORMAL)).isEqualTo(normal.watermarkMin());
        assertThat(b.allocator().nrFreePages(ZoneType.DMA)).isEqualTo(dma.watermarkMin() + dmaReserveForNormal);
        assertThat(b.allocator().nrFreePages(ZoneType.HIGHMEM)).as("GFP_KERNEL never gets highmem").isEqualTo(16384);

        // GFP_ATOMIC (__GFP_HIGH, cannot reclaim) may go below min: half, and a quarter of the rest, off.
        assertThat(b.alloc(GFP_ATOMIC, 0)).isNotEqualTo(PageAllocator.NO_PFN);
        while (b.alloc(GFP_ATOMIC | __GFP_NOWARN, 0) != PageAllocator.NO_PFN) {
            // down to the atomic floor
        }
        long min = normal.watermarkMin();
        long atomicFloor = (min - min / 2) - (min - min / 2) / 4;
        assertThat(b.allocator().nrFreePages(ZoneType.NORMAL)).isEqualTo(atomicFloor);
        // __GFP_MEMALLOC ignores the watermarks: Normal empties completely.
        while (b.allocator().nrFreePages(ZoneType.NORMAL) > 0) {
            assertThat(b.alloc(GFP_KERNEL | __GFP_MEMALLOC, 0)).isNotEqualTo(PageAllocator.NO_PFN);
        }
        b.check();
    }

    @Test
    void aFailureIsTheKernelsReportWithTheFreeAreasOfEachZoneUpToTheHighestAllowed() {
        Booted b = Booted.of(ZoneFixtures.x86_64(), ZoneFixtures.x86_64Types());
        while (b.alloc(GFP_DMA | __GFP_NOWARN, 0) != PageAllocator.NO_PFN) {
            // exhaust ZONE_DMA down to its watermark
        }
        assertThat(b.alloc(GFP_DMA, 0)).isEqualTo(PageAllocator.NO_PFN);
        assertThat(b.log().lines()).hasSize(2);
        assertThat(b.log().lines().get(0)).isEqualTo("tck/0: page allocation failure: order:0, mode:0x1(GFP_DMA), nodemask=(null)");
        long free = b.allocator().nrFreePages(ZoneType.DMA);
        assertThat(b.log().lines().get(1)).startsWith("Node 0 DMA: ").endsWith("= " + free * 4 + "kB");
    }

    @Test
    void metadataIsOneTagBytePerFramePlusTheListHeads() {
        Booted b = Booted.normal(BASE, 4096, NO_RESERVE);
        assertThat(b.allocator().metadataBytes()).isEqualTo(4096 + 32 * 16 * Integer.BYTES);
    }

    @Test
    void badSettingsNameTheKeyAndWhereItWasSet() {
        assertThatThrownBy(() -> Booted.normal(BASE, 64, "second-level-log2 = 6"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("test overrides")
                .hasMessageContaining("second-level-log2: 6 (expected: 1 to 5)");
        assertThatThrownBy(() -> Booted.normal(BASE, 64, "max-order = 16"))
                .hasMessageContaining("max-order: 16 (expected: 1 to 15)");
        assertThatThrownBy(() -> Booted.normal(BASE, 64, "pageblock-order = 11"))
                .hasMessageContaining("pageblock-order: 11 (expected: 1 to max-order 10)");
        assertThatThrownBy(() -> Booted.normal(BASE, 64, "min-free-kbytes = lots"))
                .hasMessageContaining("min-free-kbytes: lots (expected: auto or a whole number of kB)");
        assertThatThrownBy(() -> Booted.normal(BASE, 64, "watermark-scale-factor = 0"))
                .hasMessageContaining("watermark-scale-factor: 0 (expected: 1 to 3000)");
        assertThatThrownBy(() -> Booted.normal(BASE, 64, "lowmem-reserve-ratio.dma = -1"))
                .hasMessageContaining("lowmem-reserve-ratio.dma: -1 (expected: 0 or more)");
    }

    @Test
    void misuseOfTheApiIsAnExceptionThatSaysWhatWasExpected() {
        Booted b = Booted.normal(BASE, 64, NO_RESERVE);
        assertThatThrownBy(() -> b.allocator().allocPages(2, GFP_KERNEL, 0)).hasMessage("cpu: 2 (expected: 0 to 1)");
        assertThatThrownBy(() -> b.allocator().allocPages(0, GFP_KERNEL, 11)).hasMessage("order: 11 (expected: 0 to 10)");
        assertThatThrownBy(() -> b.allocator().allocPages(0, GFP_DMA | __GFP_HIGHMEM, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("gfp_zone:");
        assertThatThrownBy(() -> b.allocator().freeBootMemory(BASE + 60, 8))
                .hasMessage("range: [0x103c, 0x1044) (expected: inside one zone's span)");
        assertThatThrownBy(() -> b.allocator().zoneStats(ZoneType.DMA))
                .hasMessage("zone: DMA (expected: a populated zone)");
    }
}
