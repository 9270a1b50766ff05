package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;

/** The histogram sink: ftrace's log2 keys, per-CPU counts merged at the snapshot, the hist file's text. */
class KmemHistogramsTest {
    private static long[] counts(List<KmemHistograms.Histogram> hs, String name) {
        return hs.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow().counts();
    }

    @Test
    void log2BucketsAreFtracesIlog2OfTheValueRoundedUpToAPowerOfTwo() {
        assertThat(KmemHistograms.log2Bucket(0)).isZero();
        assertThat(KmemHistograms.log2Bucket(1)).isZero();
        assertThat(KmemHistograms.log2Bucket(2)).isEqualTo(1);
        assertThat(KmemHistograms.log2Bucket(3)).isEqualTo(2);
        assertThat(KmemHistograms.log2Bucket(24)).isEqualTo(5);
        assertThat(KmemHistograms.log2Bucket(32)).isEqualTo(5);
        assertThat(KmemHistograms.log2Bucket(33)).isEqualTo(6);
        assertThat(KmemHistograms.log2Bucket(4096)).isEqualTo(12);
        assertThat(KmemHistograms.log2Bucket(-1)).as("unsigned: 2^64 - 1").isEqualTo(64);
    }

    @Test
    void eachCpuCountsApartAndTheSnapshotAddsThemUp() {
        KmemHistograms h = new KmemHistograms(2);
        h.kmalloc(0, 0, "t", 1, "s", 0x100, 24, 32, Gfp.GFP_KERNEL);
        h.kmalloc(1, 0, "t", 1, "s", 0x200, 32, 32, Gfp.GFP_KERNEL);
        h.kmemCacheAlloc(1, 0, "t", 1, "s", 0x300, 100, 128, Gfp.GFP_KERNEL);
        h.kmalloc(0, 0, "t", 1, "s", 0, 5000, 8192, Gfp.GFP_KERNEL); // failed: no size
        h.mmPageAlloc(0, 0, "t", 1, 0, 10, 0, 0, 0);
        h.mmPageAlloc(1, 0, "t", 1, 0, 12, 3, 0, 0);
        h.mmPageAlloc(1, 0, "t", 1, 0, 20, 40, 0, 0); // beyond the last order: counted in it
        h.allocVmapArea(0, 0, "t", 1, 0x1000, 5 * 4096, 1, 0, 1L << 40, false);
        h.allocVmapArea(0, 0, "t", 1, 0, 5 * 4096, 1, 0, 1L << 40, true);
        h.tlbFlush(1, 0, "t", 1, TlbFlushReason.LOCAL_SHOOTDOWN, 3);
        h.tlbFlush(1, 0, "t", 1, TlbFlushReason.LOCAL_SHOOTDOWN, TlbFlushReason.FLUSH_ALL);
        h.tlbMiss(0, 0, "t", 1, 0x1000, 0, 4, false);
        h.tlbMiss(1, 0, "t", 1, 0x1000, 0, 0, false);
        List<KmemHistograms.Histogram> s = h.snapshot();
        assertThat(s).extracting(KmemHistograms.Histogram::name).containsExactlyElementsOf(KmemHistograms.NAMES);
        long[] req = counts(s, "bytes_req");
        assertThat(req[5]).isEqualTo(2);
        assertThat(req[7]).isEqualTo(1);
        assertThat(s.get(0).hits()).isEqualTo(3);
        long[] alloc = counts(s, "bytes_alloc");
        assertThat(alloc[5]).isEqualTo(2);
        assertThat(alloc[7]).isEqualTo(1);
        assertThat(alloc[13]).as("the failed kmalloc's size").isZero();
        long[] order = counts(s, "page_order");
        assertThat(order[0]).isEqualTo(1);
        assertThat(order[3]).isEqualTo(1);
        assertThat(order[KmemMetrics.ORDERS - 1]).isEqualTo(1);
        long[] vm = counts(s, "vmalloc_size");
        assertThat(vm[15]).as("20 KiB rounds up to 32 KiB").isEqualTo(1);
        assertThat(s.get(3).hits()).isEqualTo(1);
        assertThat(counts(s, "tlb_flush_pages")[2]).isEqualTo(1);
        assertThat(s.get(4).hits()).as("a flush of everything is not a size").isEqualTo(1);
        assertThat(counts(s, "walk_levels")).startsWith(1, 0, 0, 0, 1);
        h.reset();
        assertThat(h.snapshot()).allMatch(x -> x.hits() == 0);
    }

    @Test
    void rendersAsFtracesHistFile() {
        KmemHistograms h = new KmemHistograms(1);
        for (long size : new long[] {7, 8, 8, 100}) {
            h.kmalloc(0, 0, "t", 1, "s", 0x100, size, size, Gfp.GFP_KERNEL);
        }
        assertThat(h.snapshot().get(0).render("kmem:kmalloc")).isEqualTo("""
                # event histogram
                #
                # trigger info: hist:keys=bytes_req.log2:vals=hitcount:sort=bytes_req.log2:size=2048 [active]
                # event: kmem:kmalloc
                #

                { bytes_req: ~ 2^3      } hitcount:          3
                { bytes_req: ~ 2^7      } hitcount:          1

                Totals:
                    Hits: 4
                    Entries: 2
                    Dropped: 0
                """);
    }

    @Test
    void needsACpu() {
        assertThatThrownBy(() -> new KmemHistograms(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cpus: 0 (expected: at least 1)");
    }
}
