package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/**
 * The vmalloc, kmap and TLB-flush tracepoints fired by a booted machine's kernel services, on the x86_64-like
 * and e500-like stand-ins: each event's fields, the metric sink's counts, the histograms' exact buckets for a
 * known workload, and nothing gathered with no probe attached.
 */
class MachineTracepointsTest {
    private static Machine boot(String arch) {
        return switch (arch) {
            case "x86_64" -> TestMachines.x86_64(256L << 20);
            case "i386" -> TestMachines.i386(1L << 30);
            default -> TestMachines.boot(new I386TestArch(true), 256L << 20, 2);
        };
    }

    private static List<String> named(TraceBuffer t, String... names) {
        return t.events().stream().filter(l -> {
            for (String n : names) {
                if (l.contains(": " + n + ": ")) {
                    return true;
                }
            }
            return false;
        }).map(l -> l.substring(l.indexOf(": ", l.indexOf(']')) + 2)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "e500-like"})
    void oneTracepointsPerMachineAndNoProbeAfterBoot(String arch) {
        Machine m = boot(arch);
        assertThat(m.kernel().tracepoints()).isSameAs(m.mmu().tracepoints());
        assertThat(m.mmu().tracepoints().active()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "e500-like"})
    void vmallocVfreeAndAPurgeFireTheirEventsWithTheKernelsFields(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        Vmalloc v = m.kernel().vmalloc();
        TraceBuffer t = m.kernel().trace();
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        t.setEnabled(true);
        long a = v.vmalloc(cpu, 3 * 4096 - 100, "test_vmalloc");
        v.vfree(cpu, a);
        assertThat(v.purgeVmapAreaLazy(cpu)).isTrue();
        t.setEnabled(false);
        m.kernel().tracepoints().detach(metrics);

        long start = m.layout().vmallocStart();
        long end = m.layout().vmallocEnd();
        assertThat(named(t, "alloc_vmap_area", "free_vmap_area_noflush", "purge_vmap_area_lazy", "tlb_flush"))
                .containsExactly(
                        "alloc_vmap_area: va_start: " + Long.toUnsignedString(a) + " size=16384 align=1 vstart=0x"
                                + Long.toHexString(start) + " vend=0x" + Long.toHexString(end) + " failed=0",
                        "free_vmap_area_noflush: va_start=0x" + Long.toHexString(a) + " nr_lazy=4 nr_lazy_max="
                                + v.lazyMaxPages(),
                        // flush_tlb_kernel_range over the lazy area, guard page included: here, then the other CPU
                        "tlb_flush: pages:4 reason:local shootdown (2)",
                        "tlb_flush: pages:4 reason:remote ipi send (4)",
                        "purge_vmap_area_lazy: start=0x" + Long.toHexString(a) + " end=0x" + Long.toHexString(a + 16384)
                                + " num_purged=1");
        KmemMetrics.Events e = metrics.snapshot().events();
        assertThat(e.vmallocAreas()).isEqualTo(1);
        assertThat(e.vmallocBytes()).isEqualTo(16384);
        assertThat(e.vmallocLazyFrees()).isEqualTo(1);
        assertThat(e.vmallocPurges()).isEqualTo(1);
        assertThat(e.vmallocPurgedAreas()).isEqualTo(1);
        assertThat(e.tlbFlushes()[TlbFlushReason.LOCAL_SHOOTDOWN]).isEqualTo(1);
        assertThat(e.tlbFlushPages()[TlbFlushReason.LOCAL_SHOOTDOWN]).isEqualTo(4);
        assertThat(e.tlbFlushes()[TlbFlushReason.REMOTE_SEND_IPI]).isEqualTo(1);

        // The other CPU applies the shootdown at its next access: a remote shootdown on its own thread.
        KmemMetrics remote = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(remote);
        Cpu other = m.mmu().cpu(1);
        other.load32(m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, "probe"));
        m.kernel().tracepoints().detach(remote);
        assertThat(remote.snapshot().events().tlbFlushes()[TlbFlushReason.REMOTE_SHOOTDOWN]).isEqualTo(1);
        assertThat(remote.snapshot().events().tlbFlushPages()[TlbFlushReason.REMOTE_SHOOTDOWN]).isEqualTo(4);
    }

    @Test
    void kmapKunmapAndTheLocalKindsFireKmemusOwnEventsWithTheirKindAndWhetherTheyMapped() {
        Machine m = boot("i386");
        Cpu cpu = m.mmu().cpu(0);
        Highmem h = m.kernel().highmem();
        long high = m.kernel().pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        long low = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        TraceBuffer t = m.kernel().trace();
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        t.setEnabled(true);
        long hv = h.kmap(cpu, high);
        h.kunmap(cpu, high);
        long lv = h.kmap(cpu, low);
        h.kunmap(cpu, low);
        long av = h.kmapAtomic(cpu, high);
        h.kunmapAtomic(cpu, av);
        long local = h.kmapLocal(cpu, high);
        h.kunmapLocal(cpu, local);
        t.setEnabled(false);
        m.kernel().tracepoints().detach(metrics);
        assertThat(named(t, "kmap", "kunmap")).containsExactly(
                "kmap: pfn=0x" + Long.toHexString(high) + " vaddr=0x" + Long.toHexString(hv) + " kind=kmap highmem=1",
                "kunmap: vaddr=0x" + Long.toHexString(hv) + " kind=kmap",
                "kmap: pfn=0x" + Long.toHexString(low) + " vaddr=0x" + Long.toHexString(lv) + " kind=kmap highmem=0",
                "kunmap: vaddr=0x" + Long.toHexString(lv) + " kind=kmap",
                "kmap: pfn=0x" + Long.toHexString(high) + " vaddr=0x" + Long.toHexString(av) + " kind=kmap_atomic highmem=1",
                "kunmap: vaddr=0x" + Long.toHexString(av) + " kind=kmap_atomic",
                "kmap: pfn=0x" + Long.toHexString(high) + " vaddr=0x" + Long.toHexString(local) + " kind=kmap_local highmem=1",
                "kunmap: vaddr=0x" + Long.toHexString(local) + " kind=kmap_local");
        assertThat(hv).isNotEqualTo(m.layout().pageOffset() + (high << 12));
        assertThat(lv).isEqualTo(m.layout().pageOffset() + (low << 12));
        KmemMetrics.Events e = metrics.snapshot().events();
        assertThat(e.kmaps()).isEqualTo(4);
        assertThat(e.highKmaps()).isEqualTo(3);
        assertThat(e.kunmaps()).isEqualTo(4);
        // kunmap_local/atomic flush their fixmap slot on this CPU: a local shootdown of one kernel page each.
        assertThat(e.tlbFlushes()[TlbFlushReason.LOCAL_SHOOTDOWN]).isEqualTo(2);
        assertThat(e.tlbFlushPages()[TlbFlushReason.LOCAL_SHOOTDOWN]).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "e500-like"})
    void theHistogramsOfAKnownWorkloadHaveExactBuckets(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        KmemHistograms sizes = new KmemHistograms(m.cpus());
        m.kernel().tracepoints().attach(sizes);
        for (long size : new long[] {1, 8, 24, 100, 3000, 3000}) {
            m.kernel().slab().kmalloc(cpu, size, Gfp.GFP_KERNEL, "known");
        }
        m.kernel().tracepoints().detach(sizes);
        List<KmemHistograms.Histogram> s = sizes.snapshot();
        long[] req = s.get(0).counts();
        assertThat(req[0]).as("1").isEqualTo(1);
        assertThat(req[3]).as("8").isEqualTo(1);
        assertThat(req[5]).as("24").isEqualTo(1);
        assertThat(req[7]).as("100").isEqualTo(1);
        assertThat(req[12]).as("3000, twice").isEqualTo(2);
        assertThat(s.get(0).hits()).isEqualTo(6);
        // bytes_alloc: each request's kmalloc size class (the bucket of ksize)
        long[] expected = new long[KmemHistograms.LOG2_BUCKETS];
        for (long size : new long[] {1, 8, 24, 100, 3000, 3000}) {
            expected[KmemHistograms.log2Bucket(m.kernel().slab().ksize(m.kernel().slab().kmalloc(cpu, size,
                    Gfp.GFP_KERNEL, "ksize")))]++;
        }
        assertThat(s.get(1).counts()).containsExactly(expected);

        KmemHistograms pages = new KmemHistograms(m.cpus());
        m.kernel().tracepoints().attach(pages);
        m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 2);
        long area = m.kernel().vmalloc().vmalloc(cpu, 5 * 4096, "hist");
        m.kernel().tracepoints().detach(pages);
        assertThat(area).isNotZero();
        List<KmemHistograms.Histogram> p = pages.snapshot();
        long[] order = p.get(2).counts();
        // vmalloc's backing pages come from the page allocator itself, not through alloc_pages' tracepoint.
        assertThat(order[0]).isEqualTo(2);
        assertThat(order[2]).isEqualTo(1);
        assertThat(p.get(2).hits()).isEqualTo(3);
        assertThat(p.get(3).counts()[15]).as("5 pages + guard = 24 KiB: bucket 2^15").isEqualTo(1);
        assertThat(p.get(3).hits()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "e500-like"})
    void aProbeNoLongerAttachedGathersNothing(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        KmemHistograms hist = new KmemHistograms(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        m.kernel().tracepoints().attach(hist);
        m.kernel().tracepoints().detach(metrics);
        m.kernel().tracepoints().detach(hist);
        assertThat(m.kernel().tracepoints().active()).isFalse();
        long a = m.kernel().vmalloc().vmalloc(cpu, 4096, "x");
        m.kernel().vmalloc().vfree(cpu, a);
        m.kernel().vmalloc().purgeVmapAreaLazy(cpu);
        m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, "x");
        m.mmu().cpu(1).load32(m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, "y"));
        KmemMetrics.Events e = metrics.snapshot().events();
        assertThat(e.vmallocAreas() + e.vmallocLazyFrees() + e.vmallocPurges() + e.totalTlbFlushes() + e.tlbMisses())
                .isZero();
        assertThat(metrics.snapshot().callSites()).isEmpty();
        assertThat(hist.snapshot()).allMatch(h -> h.hits() == 0);
    }
}
