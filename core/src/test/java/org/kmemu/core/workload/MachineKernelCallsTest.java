package org.kmemu.core.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.TlbStats;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.trace.KmemProbe;

/** Each KernelCalls call on a booted x86_64 test machine does what the machine's own kernel call does. */
class MachineKernelCallsTest {
    private final Machine m = TestMachines.x86_64(128L << 20);
    private final List<Long> advances = new ArrayList<>();
    private final MachineKernelCalls k = new MachineKernelCalls(m, advances::add);

    /** Which CPU each kmalloc ran on, as the tracepoint reports it. */
    private static final class CpuProbe implements KmemProbe {
        final List<Integer> cpus = new ArrayList<>();

        @Override
        public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                            long bytesAlloc, int gfp) {
            cpus.add(cpu);
        }
    }

    @Test
    void cpusAreTheMachines() {
        assertThat(k.cpus()).isEqualTo(m.cpus()).isEqualTo(2);
    }

    @Test
    void kmallocAndKfreeGoThroughTheSlabLayerOnTheNamedCpuWithTheCallSite() {
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        CpuProbe probe = new CpuProbe();
        m.kernel().tracepoints().attach(metrics);
        m.kernel().tracepoints().attach(probe);
        long p = k.kmalloc(1, 100, Gfp.GFP_KERNEL, "site_a+0x1");
        assertThat(p).isNotZero();
        assertThat(m.kernel().slab().ksize(p)).isGreaterThanOrEqualTo(100);
        assertThat(probe.cpus).containsExactly(1);
        assertThat(metrics.snapshot().callSite("site_a+0x1").bytesReq()).isEqualTo(100);
        k.kfree(1, p, "site_a+0x1");
        k.kfree(0, 0, "site_a+0x1"); // kfree(NULL) is ignored, and traced
        assertThat(metrics.snapshot().kfrees()).isEqualTo(2);
    }

    @Test
    void cacheHandlesIndexTheCachesMadeInOrder() {
        int a = k.kmemCacheCreate("wl_a", 200, 0, 0);
        int b = k.kmemCacheCreate("wl_b", 64, 0, 0);
        assertThat(a).isZero();
        assertThat(b).isEqualTo(1);
        long o = k.kmemCacheAlloc(0, b, Gfp.GFP_KERNEL, "site_b");
        assertThat(o).isNotZero();
        assertThat(m.kernel().slab().slabInfo(k.caches().get(b)).activeObjs()).isEqualTo(1);
        assertThat(m.kernel().slab().slabInfo(k.caches().get(a)).activeObjs()).isZero();
        assertThat(k.caches().get(b).name()).isEqualTo("wl_b");
        k.kmemCacheFree(0, b, o, "site_b");
        assertThat(m.kernel().slab().slabInfo(k.caches().get(b)).activeObjs()).isZero();
    }

    @Test
    void pagesComeFromAndGoBackToThePageAllocator() {
        long free = m.nrFreePages();
        long pfn = k.allocPages(1, Gfp.GFP_KERNEL, 2);
        assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
        assertThat(m.nrFreePages()).isEqualTo(free - 4);
        k.freePages(1, pfn, 2);
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(k.allocPages(0, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 40)).as("an order past MAX_ORDER fails")
                .isEqualTo(PageAllocator.NO_PFN);
    }

    @Test
    void vmallocMapsAnAreaThatMemsetAndReadLongReachThroughTheMmu() {
        long size = 2 * 4096;
        long v = k.vmalloc(0, size);
        assertThat(v).isNotZero();
        assertThat(m.kernel().vmalloc().findVmArea(v)).isNotNull();
        TlbStats before0 = m.mmu().cpu(0).tlbStats();
        TlbStats before1 = m.mmu().cpu(1).tlbStats();
        k.memset(1, v + 4000, 0xAB, 200); // crosses into the second page
        assertThat(k.readLong(1, v + 4000)).isEqualTo(0xABABABABABABABABL);
        assertThat(k.readLong(1, v + 4192)).isEqualTo(0xABABABABABABABABL);
        assertThat(k.readLong(1, v + 4200)).as("past the memset").isZero();
        assertThat(k.readLong(1, v + 3992)).as("before the memset").isZero();
        TlbStats after1 = m.mmu().cpu(1).tlbStats();
        assertThat(after1.hits() + after1.misses()).as("CPU 1's TLB saw the stores and loads")
                .isGreaterThanOrEqualTo(before1.hits() + before1.misses() + 6);
        assertThat(after1.misses()).as("two fresh vmalloc pages missed").isGreaterThanOrEqualTo(before1.misses() + 2);
        TlbStats after0 = m.mmu().cpu(0).tlbStats();
        assertThat(after0.hits() + after0.misses()).as("CPU 0 took no part").isEqualTo(before0.hits() + before0.misses());
        assertThatThrownBy(() -> k.readLong(0, v + size)).as("the guard page after the area")
                .isInstanceOf(KernelOopsException.class).hasMessageContaining("page fault");
        k.vfree(0, v);
        assertThat(m.kernel().vmalloc().findVmArea(v)).isNull();
    }

    @Test
    void memsetOnTheDirectMapChangesTheObjectsBytes() {
        long p = k.kmalloc(0, 64, Gfp.GFP_KERNEL, null);
        k.memset(0, p, 0x5A, 64);
        assertThat(k.readLong(0, p)).isEqualTo(0x5A5A5A5A5A5A5A5AL);
        assertThat(k.readLong(0, p + 56)).isEqualTo(0x5A5A5A5A5A5A5A5AL);
        byte[] bytes = new byte[64];
        m.mmu().cpu(0).read(p, bytes, 0, 64);
        for (byte b : bytes) {
            assertThat(b).isEqualTo((byte) 0x5A);
        }
    }

    @Test
    void advanceHandsTheHostTheCumulativeCount() {
        k.advance(4096);
        k.advance(0);
        k.advance(10);
        assertThat(advances).containsExactly(4096L, 4096L, 4106L);
        assertThat(k.events()).isEqualTo(4106);
        assertThatThrownBy(() -> k.advance(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
