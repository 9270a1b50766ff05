package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneType;

class FailureReportTest {

    @Test
    void exhaustionReturnsNoPfnAndPrintsWarnAlloc() {
        TestLog log = new TestLog();
        log.comm = "insmod";
        BuddyAllocator a = TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves(
                "per-cpu-lists.enabled", false)), List.of(TestMachine.span(ZoneType.NORMAL, 0x100, 16)),
                TestMachine.FLAT, 12, 1, log));
        assertThat(a.allocPages(0, Gfp.GFP_KERNEL, 3)).isEqualTo(0x100);

        assertThat(a.allocPages(0, Gfp.GFP_KERNEL, 4)).isEqualTo(PageAllocator.NO_PFN);

        assertThat(log.lines()).containsExactly(
                "insmod: page allocation failure: order:4, mode:0xcc0(GFP_KERNEL), nodemask=(null)",
                "Node 0 Normal: 0*4kB 0*8kB 0*16kB 1*32kB (M) 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB "
                        + "0*2048kB 0*4096kB = 32kB");
        assertThat(log.levels).containsOnly(LogLevel.WARNING);
    }

    @Test
    void theReportIsPrintedOnTheFailingCpuAndNamesItsTask() {
        TestLog log = new TestLog();
        log.cpuComms.put(1, "kworker/1:0");
        BuddyAllocator a = TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves(
                "per-cpu-lists.enabled", false)), List.of(TestMachine.span(ZoneType.NORMAL, 0x100, 16)),
                TestMachine.FLAT, 12, 2, log));
        assertThat(a.allocPages(1, Gfp.GFP_KERNEL, 5)).isEqualTo(PageAllocator.NO_PFN);
        assertThat(log.lines().get(0)).startsWith("kworker/1:0: page allocation failure: order:5");
        assertThat(log.cpus).containsOnly(1);
        a.freePages(1, 0x105, 0);
        assertThat(log.lines()).contains("BUG: Bad page state in process kworker/1:0  pfn:00105");
        assertThat(log.cpus).containsOnly(1);
    }

    @Test
    void nowarnIsSilent() {
        TestLog log = new TestLog();
        BuddyAllocator a = TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves()),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 16)), TestMachine.FLAT, 12, 1, log));
        assertThat(a.allocPages(0, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 5)).isEqualTo(PageAllocator.NO_PFN);
        assertThat(a.allocPages(0, Gfp.GFP_NOWAIT, 5)).isEqualTo(PageAllocator.NO_PFN); // carries __GFP_NOWARN
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void reportShowsOnlyZonesTheRequestMayUseWithMixedTypes() {
        TestLog log = new TestLog();
        BuddyAllocator a = TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves(
                "per-cpu-lists.enabled", false, "max-order", 4, "pageblock-order", 2)),
                List.of(TestMachine.span(ZoneType.DMA, 0, 16), TestMachine.span(ZoneType.DMA32, 16, 16)),
                TestMachine.X86_64, 12, 1, log));
        // A movable order-3 block, then an unmovable page that takes over the other half's pageblocks;
        // freeing the movable block leaves free blocks of both types.
        assertThat(a.allocPages(0, Gfp.GFP_DMA | Gfp.__GFP_MOVABLE, 3)).isZero();
        assertThat(a.allocPages(0, Gfp.GFP_DMA, 0)).isEqualTo(8);
        a.freePages(0, 0, 3);
        assertThat(a.allocPages(0, Gfp.GFP_DMA | Gfp.GFP_KERNEL, 4)).isEqualTo(PageAllocator.NO_PFN);
        assertThat(log.lines()).containsExactly(
                "swapper/0: page allocation failure: order:4, mode:0xcc1(GFP_KERNEL|GFP_DMA), nodemask=(null)",
                "Node 0 DMA: 1*4kB (U) 1*8kB (U) 1*16kB (U) 1*32kB (M) 0*64kB = 60kB");
    }
}
