package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PcpStats;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

class WatermarkTest {

    /**
     * The zones of /work/shared/reference/proc/zoneinfo.txt (6.18, x86_64, 2 CPUs): DMA managed 3840;
     * DMA32 and Normal managed inferred from "protection: (0, 3018, 3530, 3530, 3530)", i.e. DMA32 in
     * [772608, 772863] and DMA32 + Normal in [903680, 903935]. min_free_kbytes is 67584, what
     * khugepaged's set_recommended_min_free_kbytes() gives for 3 zones with 2 MiB pageblocks.
     */
    private static TestMachine sampleMachine(Object... config) {
        return new TestMachine(TestMachine.configView(config), List.of(
                new ZoneSpan(ZoneType.DMA, 1, 4095, 3998, 3840),
                new ZoneSpan(ZoneType.DMA32, 4096, 0x100000 - 4096, 0x100000 - 4096, 772_700),
                new ZoneSpan(ZoneType.NORMAL, 0x100000, 131_100, 131_100, 131_100)),
                TestMachine.X86_64, 12, 2, new TestLog());
    }

    @Test
    void reproducesTheSampleDmaZone() {
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(sampleMachine("min-free-kbytes", 67584));
        ZoneStats dma = a.zoneStats(ZoneType.DMA);
        assertThat(dma.watermarkMin()).isEqualTo(71);
        assertThat(dma.watermarkLow()).isEqualTo(88);
        assertThat(dma.watermarkHigh()).isEqualTo(105);
        assertThat(dma.watermarkPromo()).isEqualTo(122);
        // protection: DMA, DMA32, Normal, Movable (the sample also prints ZONE_DEVICE)
        assertThat(dma.lowmemReserve()).containsExactly(0, 3018, 3530, 3530);
        // pagesets: batch 1, high 0 until used, high_min 44, high_max 240
        assertThat(dma.pcp()).containsExactly(new PcpStats(0, 0, 0, 1, 44, 240), new PcpStats(1, 0, 0, 1, 44, 240));
    }

    @Test
    void higherZonesFollowTheSameFormula() {
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(sampleMachine("min-free-kbytes", 67584));
        // pages_min 16896 shared over lowmem 907640: DMA32 14384, Normal 2440; gap = tmp / 4.
        ZoneStats dma32 = a.zoneStats(ZoneType.DMA32);
        assertThat(new long[] {dma32.watermarkMin(), dma32.watermarkLow(), dma32.watermarkHigh(), dma32.watermarkPromo()})
                .containsExactly(14384, 17980, 21576, 25172);
        assertThat(dma32.lowmemReserve()).containsExactly(0, 0, 512, 512);
        ZoneStats normal = a.zoneStats(ZoneType.NORMAL);
        assertThat(new long[] {normal.watermarkMin(), normal.watermarkLow(), normal.watermarkHigh(), normal.watermarkPromo()})
                .containsExactly(2440, 3050, 3660, 4270);
        assertThat(normal.lowmemReserve()).containsExactly(0, 0, 0, 0);
        // zone_batchsize: min(131100 >> 10, 256) / 4 = 32 -> 2^5 - 1 = 31; 772700 -> 256 / 4 -> 63
        assertThat(normal.pcp().get(0).batch()).isEqualTo(31);
        assertThat(dma32.pcp().get(0).batch()).isEqualTo(63);
        assertThat(normal.pcp().get(0).highMin()).isEqualTo(3050 / 2);
        assertThat(normal.pcp().get(0).highMax()).isEqualTo(131100 / 8 / 2);
    }

    @Test
    void autoMinFreeKbytesIsIntSqrtOfSixteenTimesLowmem() {
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(sampleMachine());
        // lowmem 907640 pages = 3630560 kB; int_sqrt(58088960) = 7621 kB -> 1905 pages; DMA share 8.
        assertThat(Watermarks.intSqrt(3630560L * 16)).isEqualTo(7621);
        assertThat(a.zoneStats(ZoneType.DMA).watermarkMin()).isEqualTo(1905L * 3840 / 907640);
        // Clamps: [128, 262144] kB.
        TestMachine tiny = new TestMachine(TestMachine.configView(), List.of(TestMachine.span(ZoneType.NORMAL, 0, 64)),
                TestMachine.FLAT, 12, 1, new TestLog());
        BuddyAllocator t = (BuddyAllocator) new BuddyPolicy().create(tiny);
        assertThat(Watermarks.autoMinFreeKbytes(List.of(t.zone(ZoneType.NORMAL)), 12)).isEqualTo(128);
    }

    @Test
    void highmemMinIsClampedBetween32And128() {
        TestMachine m = new TestMachine(TestMachine.configView(), List.of(
                TestMachine.span(ZoneType.DMA, 0, 4096),
                TestMachine.span(ZoneType.NORMAL, 4096, 225_280),
                TestMachine.span(ZoneType.HIGHMEM, 229_376, 100_000)), TestMachine.I386, 12, 1, new TestLog());
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m);
        assertThat(a.zoneStats(ZoneType.HIGHMEM).watermarkMin()).isEqualTo(97); // 100000 / 1024
        // i386 ratios: DMA 256, Normal 32: Normal reserves HighMem / 32 against __GFP_HIGHMEM callers.
        assertThat(a.zoneStats(ZoneType.NORMAL).lowmemReserve()).containsExactly(0, 0, 100_000 / 32, 100_000 / 32);
        assertThat(a.zoneStats(ZoneType.DMA).lowmemReserve())
                .containsExactly(0, 225_280 / 256, 325_280 / 256, 325_280 / 256);
    }

    @Test
    void reservesCutMinForHighAtomicAndMemalloc() {
        // One Normal zone of 4096 pages, min_free_kbytes 1024 -> min 256, gap max(64, 0) = 64: low 320.
        TestMachine m = new TestMachine(TestMachine.configView("min-free-kbytes", 1024, "per-cpu-lists.enabled", false),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 4096)), TestMachine.FLAT, 12, 1, new TestLog());
        BuddyAllocator a = TestMachine.boot(m);
        assertThat(a.zoneStats(ZoneType.NORMAL).watermarkLow()).isEqualTo(320);
        int nowarn = Gfp.__GFP_NOWARN;
        // GFP_KERNEL: order 0 succeeds while free > min (the slow path's WMARK_MIN).
        drain(a, Gfp.GFP_KERNEL | nowarn);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(256);
        // __GFP_HIGH but blocking: min - min/2 = 128.
        drain(a, Gfp.__GFP_HIGH | Gfp.__GFP_DIRECT_RECLAIM | nowarn);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(128);
        // GFP_ATOMIC: non-blocking too: 128 - 128/4 = 96 (of the original 256: 256 - 128 - 32).
        drain(a, Gfp.GFP_ATOMIC | nowarn);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(96);
        // __GFP_MEMALLOC ignores the watermarks.
        drain(a, Gfp.GFP_KERNEL | Gfp.__GFP_MEMALLOC | nowarn);
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isZero();
    }

    @Test
    void lowmemReserveProtectsLowerZones() {
        // x86_64-like with ratio 256: DMA keeps (DMA32 + Normal) / 256 pages from GFP_KERNEL.
        TestMachine m = new TestMachine(TestMachine.configView("min-free-kbytes", 0, "per-cpu-lists.enabled", false),
                List.of(TestMachine.span(ZoneType.DMA, 0, 4096), TestMachine.span(ZoneType.DMA32, 4096, 65536 - 4096)),
                TestMachine.X86_64, 12, 1, new TestLog());
        BuddyAllocator a = TestMachine.boot(m);
        long reserve = (65536 - 4096) / 256;
        drain(a, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN);
        // min is 0 but lowmem_reserve[DMA32] stops the walk from draining DMA.
        assertThat(a.nrFreePages(ZoneType.DMA)).isEqualTo(reserve);
        // GFP_DMA starts at DMA itself: lowmem_reserve[DMA] is 0.
        drain(a, Gfp.GFP_DMA | Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN);
        assertThat(a.nrFreePages(ZoneType.DMA)).isZero();
    }

    private static void drain(PageAllocator a, int gfp) {
        while (a.allocPages(0, gfp, 0) != PageAllocator.NO_PFN) {
            // keep allocating
        }
    }
}
