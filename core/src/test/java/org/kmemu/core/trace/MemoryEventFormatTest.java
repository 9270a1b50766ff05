package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.Access;
import org.kmemu.core.workload.FtraceEvent;
import org.kmemu.core.workload.FtraceReader;

/**
 * The vmalloc, tlb, page-fault and kmemu events as the ftrace ring and the recorder print them: each field
 * in its TP_printk's place and notation (include/trace/events/vmalloc.h, include/trace/events/tlb.h,
 * arch/x86/include/asm/trace/exceptions.h), and readable back by the trace reader.
 */
class MemoryEventFormatTest {
    @TempDir
    Path dir;

    /** Fires one of each event, on CPUs 0 and 1, into any probe. */
    private static void fireAll(KmemProbe p) {
        p.allocVmapArea(0, 1_500_000, "init", 1, 0xffffc90000000000L, 16384, 1, 0xffffc90000000000L,
                0xffffe8ffffffffffL, false);
        p.allocVmapArea(1, 1_600_000, "init", 1, 0, 1L << 40, 4096, 0xffffc90000000000L, 0xffffe8ffffffffffL, true);
        p.freeVmapAreaNoflush(0, 2_000_000, "kworker/0:1", 11, 0xffffc90000004000L, 4, 16384);
        p.purgeVmapAreaLazy(0, 2_100_000, "kworker/0:1", 11, 0xffffc90000004000L, 0xffffc90000009000L, 2);
        p.tlbFlush(0, 3_000_000, "sh", 15, TlbFlushReason.LOCAL_SHOOTDOWN, 5);
        p.tlbFlush(1, 3_100_000, "sh", 15, TlbFlushReason.FLUSH_ON_TASK_SWITCH, TlbFlushReason.FLUSH_ALL);
        p.tlbFlush(1, 3_200_000, "sh", 15, TlbFlushReason.REMOTE_SEND_IPI, 1);
        p.pageFaultUser(0, 4_000_000, "sh", 15, 0x10000000L, 0, 6);
        p.pageFaultKernel(0, 4_100_000, "sh", 15, 0xc0001000L, 0xc0001000L, 0x11);
        p.kmap(1, 5_000_000, "sh", 15, 0x3f000, 0xffa00000L, KmapKind.KMAP, true);
        p.kunmap(1, 5_100_000, "sh", 15, 0xffa00000L, KmapKind.KMAP_ATOMIC);
        p.tlbMiss(0, 6_000_000, "sh", 15, 0x10000008L, Access.WRITE.ordinal(), 4, true);
    }

    static final List<String> LINES = List.of(
            "            init-1     [000] ....     0.001500: alloc_vmap_area: va_start: 18446683600570023936 size=16384"
                    + " align=1 vstart=0xffffc90000000000 vend=0xffffe8ffffffffff failed=0",
            "            init-1     [001] ....     0.001600: alloc_vmap_area: va_start: 0 size=1099511627776 align=4096"
                    + " vstart=0xffffc90000000000 vend=0xffffe8ffffffffff failed=1",
            "     kworker/0:1-11    [000] ....     0.002000: free_vmap_area_noflush: va_start=0xffffc90000004000 nr_lazy=4"
                    + " nr_lazy_max=16384",
            "     kworker/0:1-11    [000] ....     0.002100: purge_vmap_area_lazy: start=0xffffc90000004000"
                    + " end=0xffffc90000009000 num_purged=2",
            "              sh-15    [000] ....     0.003000: tlb_flush: pages:5 reason:local shootdown (2)",
            "              sh-15    [001] ....     0.003100: tlb_flush: pages:-1 reason:flush on task switch (0)",
            "              sh-15    [001] ....     0.003200: tlb_flush: pages:1 reason:remote ipi send (4)",
            "              sh-15    [000] ....     0.004000: page_fault_user: address=0x10000000 ip=0x0 error_code=0x6",
            "              sh-15    [000] ....     0.004100: page_fault_kernel: address=0xc0001000 ip=0xc0001000"
                    + " error_code=0x11",
            "              sh-15    [001] ....     0.005000: kmap: pfn=0x3f000 vaddr=0xffa00000 kind=kmap highmem=1",
            "              sh-15    [001] ....     0.005100: kunmap: vaddr=0xffa00000 kind=kmap_atomic",
            "              sh-15    [000] ....     0.006000: tlb_miss: address=0x10000008 access=write levels=4 fault=1");

    @Test
    void theFtraceRingPrintsEachEventAsItsTpPrintk() {
        TraceBuffer b = new TraceBuffer(64, 2);
        b.setEnabled(true);
        fireAll(b);
        assertThat(b.events()).containsExactlyElementsOf(LINES);
        assertThat(b.render()).contains("# entries-in-buffer/entries-written: 12/12   #P:2\n");
    }

    @Test
    void theRecorderWritesTheSameLinesInFiringOrder() throws IOException {
        TraceRecorder r = new TraceRecorder(2, dir);
        fireAll(r);
        StringWriter out = new StringWriter();
        assertThat(r.finish(out)).isEqualTo(12);
        assertThat(out.toString().lines().filter(l -> !l.startsWith("#"))).containsExactlyElementsOf(LINES);
    }

    @Test
    void aDisabledRingRecordsNothing() {
        TraceBuffer b = new TraceBuffer(64, 2);
        fireAll(b);
        b.setEnabled(true);
        b.setEnabled(false);
        fireAll(b);
        assertThat(b.events()).isEmpty();
    }

    @Test
    void theTraceReaderReadsTheirFieldsBack() throws IOException {
        List<FtraceEvent> events = FtraceReader.read(new BufferedReader(new StringReader(String.join("\n", LINES))))
                .events();
        assertThat(events).extracting(FtraceEvent::name).containsExactly("alloc_vmap_area", "alloc_vmap_area",
                "free_vmap_area_noflush", "purge_vmap_area_lazy", "tlb_flush", "tlb_flush", "tlb_flush",
                "page_fault_user", "page_fault_kernel", "kmap", "kunmap", "tlb_miss");
        // alloc_vmap_area starts "va_start: N size=...": the reader's key=value fields skip the first and keep the rest.
        assertThat(events.get(0).decimal("align")).isEqualTo(1);
        assertThat(events.get(0).hex("vend")).isEqualTo(0xffffe8ffffffffffL);
        assertThat(events.get(2).hex("va_start")).isEqualTo(0xffffc90000004000L);
        assertThat(events.get(3).decimal("num_purged")).isEqualTo(2);
        assertThat(events.get(7).hex("error_code")).isEqualTo(6);
        assertThat(events.get(9).hex("pfn")).isEqualTo(0x3f000);
        assertThat(events.get(11).decimal("levels")).isEqualTo(4);
    }
}
