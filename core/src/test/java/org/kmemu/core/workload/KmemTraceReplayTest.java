package org.kmemu.core.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.KmemMetrics;

/** The replay's bookkeeping on a test machine: pointers mapped, frees matched, what it cannot place counted. */
class KmemTraceReplayTest {
    private final Machine m = TestMachines.x86_64(256L << 20);

    private static List<FtraceEvent> events(String... lines) throws IOException {
        return FtraceReader.read(new BufferedReader(new StringReader(String.join("\n", lines)))).events();
    }

    private static String ev(int cpu, String name, String fields) {
        return "   t-1 [00" + cpu + "] ....     0.000001: " + name + ": " + fields;
    }

    @Test
    void allocationsAndFreesAreMatchedByTheTracesPointers() throws IOException {
        long free = m.nrFreePages();
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        ReplayReport r = new KmemTraceReplay(m, KmemTraceReplay.Mode.OBJECTS).replay(events(
                ev(0, "kmalloc", "call_site=a ptr=c0001000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL"),
                ev(1, "kmem_cache_alloc", "call_site=b ptr=c0002000 bytes_req=200 bytes_alloc=200 gfp_flags=GFP_KERNEL"),
                ev(0, "kfree", "call_site=a ptr=c0001000"),
                ev(1, "kmem_cache_free", "call_site=b ptr=c0002000"),
                ev(0, "kfree", "call_site=a ptr=  (null)"))).report();
        assertThat(r.replayed()).containsEntry("kmalloc", 1L).containsEntry("kfree", 2L).containsEntry("kmem_cache_alloc", 1L)
                .containsEntry("kmem_cache_free", 1L);
        assertThat(r.liveAtEnd()).isZero();
        assertThat(r.unmatchedFrees()).isZero();
        assertThat(metrics.snapshot().callSite("a").bytesAlloc()).isEqualTo(128);
        assertThat(metrics.snapshot().callSite("b").bytesReq()).isEqualTo(200);
        assertThat(metrics.snapshot().kfrees()).as("kfree(NULL) is traced too").isEqualTo(2);
        assertThat(m.nrFreePages()).as("slab pages may stay cached, nothing more").isGreaterThan(free - 8);
    }

    @Test
    void whatTheReplayCannotPlaceIsCountedNotFatal() throws IOException {
        ReplayReport r = new KmemTraceReplay(m, KmemTraceReplay.Mode.OBJECTS).replay(events(
                ev(0, "kfree", "call_site=a ptr=c0009000"),                                                  // allocated before tracing
                ev(0, "kmalloc", "call_site=a ptr=c0001000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL"),
                ev(0, "kmalloc", "call_site=a ptr=c0001000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL"), // the free was lost
                ev(0, "kmalloc", "call_site=a ptr=  (null) bytes_req=8 bytes_alloc=8 gfp_flags=GFP_ATOMIC"),  // failed there
                ev(5, "kmalloc", "call_site=a ptr=c0003000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL"),  // CPU 5 of 2
                ev(0, "mm_page_alloc", "page=f5a3c000 pfn=4660 order=1 migratetype=0 gfp_flags=GFP_KERNEL"),
                ev(0, "sched_switch", "prev_comm=a prev_pid=1"))).report();
        assertThat(r.unmatchedFrees()).isEqualTo(1);
        assertThat(r.lostFrees()).isEqualTo(1);
        assertThat(r.failedInTrace()).isEqualTo(1);
        assertThat(r.liveAtEnd()).isEqualTo(2);
        assertThat(r.cpusFolded()).isTrue();
        assertThat(r.skipped()).containsEntry("mm_page_alloc", 1L).containsEntry("sched_switch", 1L);
        assertThat(r.render()).contains("frees of memory allocated before the trace began: 1", "skipped mm_page_alloc: 1",
                "the trace's CPUs were folded");
    }

    @Test
    void pageModeReplaysPageEventsByPfn() throws IOException {
        long free = m.nrFreePages();
        KmemTraceReplay replay = new KmemTraceReplay(m, KmemTraceReplay.Mode.PAGES);
        replay.replay(events(
                ev(0, "mm_page_alloc", "page=f5a3c000 pfn=4660 order=2 migratetype=0 gfp_flags=GFP_KERNEL"),
                ev(1, "mm_page_alloc", "page=f5a3d000 pfn=0x2000 order=0 migratetype=0 gfp_flags=GFP_KERNEL"),
                ev(0, "kmalloc", "call_site=a ptr=c0001000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL")));
        assertThat(m.nrFreePages()).isEqualTo(free - 5);
        ReplayReport r = replay.replay(events(
                ev(1, "mm_page_free", "page=f5a3c000 pfn=4660 order=2"),
                ev(0, "mm_page_free_batched", "page=f5a3d000 pfn=8192 order=0 cold=0"),
                ev(0, "mm_page_alloc", "page=0000000000000000 pfn=0x0 order=0 migratetype=0 gfp_flags=GFP_KERNEL"),
                ev(0, "mm_page_alloc", "page=f5a00000 pfn=0 order=0 migratetype=0 gfp_flags=GFP_KERNEL"),      // pfn 0 is a frame
                ev(0, "mm_page_free", "page=f5a00000 pfn=0 order=0"))).report();
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(r.skipped()).containsEntry("kmalloc", 1L);
        assertThat(r.failedInTrace()).as("6.x traces a failed __alloc_pages with a NULL page").isEqualTo(1);
        assertThat(r.liveAtEnd()).isZero();
    }

    @Test
    void aTraceReplayedInChunksKeepsItsCachesAndReleaseAllGivesEverythingBack() throws IOException {
        KmemTraceReplay replay = new KmemTraceReplay(m, KmemTraceReplay.Mode.OBJECTS);
        replay.replay(events(
                ev(0, "kmem_cache_alloc", "call_site=b ptr=c0002000 bytes_req=200 bytes_alloc=200 gfp_flags=GFP_KERNEL"),
                ev(0, "kmem_cache_alloc", "call_site=b ptr=c0003000 bytes_req=72 bytes_alloc=72 gfp_flags=GFP_KERNEL")));
        // The second chunk names its caches in another order: the objects still go back to their own.
        replay.replay(events(
                ev(0, "kmem_cache_alloc", "call_site=b ptr=c0004000 bytes_req=72 bytes_alloc=72 gfp_flags=GFP_KERNEL"),
                ev(0, "kmem_cache_free", "call_site=b ptr=c0002000"),
                ev(0, "kmalloc", "call_site=a ptr=c0005000 bytes_req=4000 bytes_alloc=4096 gfp_flags=GFP_KERNEL")));
        assertThat(replay.report().liveAtEnd()).isEqualTo(3);
        assertThat(replay.releaseAll()).isEqualTo(3);
        assertThat(replay.report().liveAtEnd()).isZero();
        assertThat(m.kernel().slab().caches()).filteredOn(c -> c.name().startsWith("trace-")).hasSize(2)
                .allSatisfy(c -> assertThat(m.kernel().slab().slabInfo(c).activeObjs()).isZero());
        assertThat(String.join("\n", m.log().texts())).doesNotContain("BUG", "Bad page");
    }
}
