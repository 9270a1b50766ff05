package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;

class TraceBufferTest {
    private static final String GFP_KERNEL = "gfp_flags=GFP_KERNEL";

    /**
     * Lines of shared/data/traces/kmem-i386-slub.log (a real i386 3.x kernel's ftrace output), taken where the
     * irq/preempt flags are "...." and the gfp flags have one spelling in 3.x and now (3.x printed GFP_ZERO where
     * today's include/trace/events/mmflags.h prints __GFP_ZERO).
     */
    static final List<String> REAL = List.of(
            "        kthreadd-2     [000] ....     0.180000: kmem_cache_alloc: call_site=c101a27a ptr=c161b800 bytes_req=764 bytes_alloc=768 gfp_flags=GFP_KERNEL",
            "     kworker/0:1-11    [000] ....     0.420000: kmalloc: call_site=c10bc369 ptr=c14b69f0 bytes_req=7 bytes_alloc=8 gfp_flags=GFP_KERNEL",
            "     kworker/0:1-11    [000] ....     0.420000: kfree: call_site=c10c283a ptr=  (null)",
            "              sh-15    [000] ....     0.490000: kmem_cache_alloc: call_site=c103aadf ptr=c14d4540 bytes_req=96 bytes_alloc=96 gfp_flags=GFP_KERNEL",
            "              sh-15    [000] ....     0.490000: kmem_cache_free: call_site=c109e074 ptr=c160a000",
            "              sh-15    [000] ....     0.520000: kmalloc: call_site=c10b9c5f ptr=c14c1480 bytes_req=104 bytes_alloc=128 gfp_flags=GFP_KERNEL",
            "           mount-16    [000] ....     0.570000: kfree: call_site=c10ba33f ptr=c14a7400");

    private static final Pattern LINE = Pattern.compile(" *(.+)-(\\d+) +\\[(\\d{3})\\] \\.{4} +(\\d+)\\.(\\d{6}): (\\w+): (.*)");

    /** Records a line of the trace text through the typed tracepoints, as the kernel would have. */
    static void replay(KmemProbe t, String line) {
        Matcher m = LINE.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        String comm = m.group(1);
        int pid = Integer.parseInt(m.group(2));
        int cpu = Integer.parseInt(m.group(3));
        long nanos = Long.parseLong(m.group(4)) * 1_000_000_000L + Long.parseLong(m.group(5)) * 1000;
        Map<String, String> f = new HashMap<>();
        for (String kv : m.group(7).replace("ptr=  (null)", "ptr=0").split(" ")) {
            f.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        String site = new String(f.get("call_site")); // not the same object each time: ids must match by value
        long ptr = Long.parseUnsignedLong(f.get("ptr"), 16);
        switch (m.group(6)) {
            case "kmalloc" -> t.kmalloc(cpu, nanos, comm, pid, site, ptr, Long.parseLong(f.get("bytes_req")),
                    Long.parseLong(f.get("bytes_alloc")), Gfp.GFP_KERNEL);
            case "kmem_cache_alloc" -> t.kmemCacheAlloc(cpu, nanos, comm, pid, site, ptr, Long.parseLong(f.get("bytes_req")),
                    Long.parseLong(f.get("bytes_alloc")), Gfp.GFP_KERNEL);
            case "kfree" -> t.kfree(cpu, nanos, comm, pid, site, ptr);
            case "kmem_cache_free" -> t.kmemCacheFree(cpu, nanos, comm, pid, site, ptr);
            default -> throw new AssertionError(line);
        }
    }

    @Test
    void recordsPrintExactlyAsTheRealKernelsTrace() {
        TraceBuffer t = new TraceBuffer(16, 1);
        t.setEnabled(true);
        for (String line : REAL) {
            assertThat(line).satisfiesAnyOf(l -> assertThat(l).endsWith(GFP_KERNEL), l -> assertThat(l).contains("free: "));
            replay(t, line);
        }
        assertThat(t.events()).containsExactlyElementsOf(REAL);
        assertThat(t.render()).startsWith("# tracer: nop\n#\n# entries-in-buffer/entries-written: 7/7   #P:1\n#\n")
                .endsWith("#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n#              | |       |   ||||       |         |\n"
                        + String.join("\n", REAL) + "\n");
    }

    @Test
    void pageEventsPrintPageAndPfnInHexAndTheGfpFlagsByName() {
        TraceBuffer t = new TraceBuffer(4, 2);
        t.setEnabled(true);
        t.mmPageAlloc(1, 1_500_000_000L, "swapper/1", 0, 0xf6bfd000L, 0x3ff, 2, 1, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO);
        t.mmPageFree(1, 1_500_000_000L, "swapper/1", 0, 0xf6bfd000L, 0x3ff, 2);
        assertThat(t.events()).containsExactly(
                "       swapper/1-0     [001] ....     1.500000: mm_page_alloc: page=f6bfd000 pfn=0x3ff order=2 migratetype=1"
                        + " gfp_flags=GFP_KERNEL|__GFP_ZERO",
                "       swapper/1-0     [001] ....     1.500000: mm_page_free: page=f6bfd000 pfn=0x3ff order=2");
    }

    @Test
    void eachCpusRingDropsItsOwnOldestAndTheHeaderCountsEverythingWritten() {
        TraceBuffer t = new TraceBuffer(2, 4);
        t.setEnabled(true);
        t.kmalloc(0, 0, "init", 1, "a", 0x10, 8, 8, Gfp.GFP_KERNEL);
        t.kmalloc(0, 0, "init", 1, "a", 0x20, 8, 8, Gfp.GFP_KERNEL);
        t.kfree(1, 0, "kworker/1:0", 23, "b", 0x30);
        t.kmalloc(0, 0, "init", 1, "a", 0x40, 8, 8, Gfp.GFP_KERNEL);
        // CPU 0 wrote 3 into 2 slots: 0x10 is overwritten; CPU 1's record stays.
        assertThat(t.events()).extracting(l -> l.replaceAll(".*ptr=(\\w+).*", "$1")).containsExactly("20", "30", "40");
        assertThat(t.render()).contains("# entries-in-buffer/entries-written: 3/4   #P:4\n");
        t.clear();
        assertThat(t.events()).isEmpty();
        assertThat(t.render()).contains("# entries-in-buffer/entries-written: 0/0   #P:4\n");
        t.kfree(2, 0, "init", 1, "a", 0);
        assertThat(t.render()).contains("# entries-in-buffer/entries-written: 1/1   #P:4\n");
    }

    @Test
    void cpusAreMergedByTimeStampThenInTheOrderEventsWereRecorded() {
        TraceBuffer t = new TraceBuffer(8, 2);
        t.setEnabled(true);
        t.kfree(0, 2000, "a", 1, "s", 0x1);
        t.kfree(1, 1000, "b", 2, "s", 0x2);
        t.kfree(1, 2000, "b", 2, "s", 0x3);
        t.kfree(0, 2000, "a", 1, "s", 0x4);
        t.kfree(0, 3000, "a", 1, "s", 0x5);
        t.kfree(1, 2000, "b", 2, "s", 0x6);
        assertThat(t.events()).extracting(l -> l.replaceAll(".*ptr=(\\w+).*", "$1")).containsExactly("2", "1", "3", "4", "6", "5");
    }

    @Test
    void nothingIsRecordedWhileOffAndStoppingKeepsTheRecords() {
        TraceBuffer t = new TraceBuffer(8, 1);
        t.kmalloc(0, 0, "init", 1, "a", 0x10, 8, 8, Gfp.GFP_KERNEL);
        assertThat(t.events()).isEmpty();
        assertThat(t.render()).contains("entries-in-buffer/entries-written: 0/0");
        t.setEnabled(true);
        t.kfree(0, 0, "init", 1, "a", 0x10);
        t.setEnabled(false);
        t.kfree(0, 0, "init", 1, "a", 0x20);
        assertThat(t.events()).hasSize(1);
    }

    @Test
    void manyCallSitesKeepTheirOwnNames() {
        TraceBuffer t = new TraceBuffer(1 << 12, 1);
        t.setEnabled(true);
        for (int i = 0; i < 3000; i++) {
            t.kfree(0, 0, "comm" + i % 7, i, Integer.toHexString(0xc1000000 + i * 16), i + 1);
        }
        List<String> lines = t.events();
        for (int i = 0; i < 3000; i++) {
            assertThat(lines.get(i)).as("event %d", i).contains(" comm" + i % 7 + "-" + i + " ")
                    .endsWith("kfree: call_site=" + Integer.toHexString(0xc1000000 + i * 16) + " ptr=" + Long.toHexString(i + 1));
        }
    }

    @Test
    void aRingHoldsItsCapacityRoundedUpToAPowerOfTwo() {
        TraceBuffer t = new TraceBuffer(3, 1);
        t.setEnabled(true);
        for (int i = 1; i <= 5; i++) {
            t.kfree(0, 0, "init", 1, "a", i);
        }
        assertThat(t.events()).hasSize(4);
        assertThat(t.render()).contains("entries-in-buffer/entries-written: 4/5");
    }

    @Test
    void badSizesAreRefused() {
        assertThatThrownBy(() -> new TraceBuffer(0, 1)).hasMessage("trace capacity per CPU: 0 (expected: 1..268435456)");
        assertThatThrownBy(() -> new TraceBuffer(4, 0)).hasMessage("cpus: 0 (expected: at least 1)");
    }

    /**
     * Two CPUs record as fast as they can while a third thread reads: every line a reader sees is a whole
     * record (its fields agree with each other), each CPU's lines come in the order written, and once the
     * writers are done the header counts are exact.
     */
    @Test
    void readersSeeWholeRecordsWhileCpusOverwriteTheirRings() throws Exception {
        int perCpu = 200_000;
        int capacity = 1024;
        TraceBuffer t = new TraceBuffer(capacity, 2);
        t.setEnabled(true);
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            int c = cpu;
            String[] sites = {"c10bc369", "c10c283a", "c101a27a"};
            writers.add(new Thread(() -> {
                try {
                    start.await();
                    for (long i = 1; i <= perCpu; i++) {
                        t.kmalloc(c, 0, c == 0 ? "init" : "kworker/1:1", c + 1, sites[(int) (i % 3)], i, 3 * i, 5 * i, Gfp.GFP_KERNEL);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        writers.forEach(Thread::start);
        start.countDown();
        Pattern kmalloc = Pattern.compile(".*\\[00(\\d)\\] .*call_site=(c10bc369|c10c283a|c101a27a) ptr=(\\w+) bytes_req=(\\d+)"
                + " bytes_alloc=(\\d+) gfp_flags=GFP_KERNEL");
        int reads = 0;
        while (writers.stream().anyMatch(Thread::isAlive) || reads == 0) {
            long[] last = new long[2];
            List<String> lines = t.events();
            assertThat(lines.size()).isLessThanOrEqualTo(2 * capacity);
            for (String l : lines) {
                Matcher m = kmalloc.matcher(l);
                assertThat(m.matches()).as(l).isTrue();
                int cpu = Integer.parseInt(m.group(1));
                long ptr = Long.parseLong(m.group(3), 16);
                assertThat(Long.parseLong(m.group(4))).as(l).isEqualTo(3 * ptr);
                assertThat(Long.parseLong(m.group(5))).as(l).isEqualTo(5 * ptr);
                assertThat(m.group(2)).as(l).isEqualTo(new String[] {"c10bc369", "c10c283a", "c101a27a"}[(int) (ptr % 3)]);
                assertThat(l).startsWith(cpu == 0 ? "            init-1 " : "     kworker/1:1-2 ");
                assertThat(ptr).as("CPU %d in order", cpu).isGreaterThan(last[cpu]);
                last[cpu] = ptr;
            }
            reads++;
        }
        for (Thread w : writers) {
            w.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(t.render()).contains("# entries-in-buffer/entries-written: " + 2 * capacity + "/" + 2 * perCpu + "   #P:2\n");
        assertThat(t.events()).hasSize(2 * capacity).last().asString().contains("ptr=" + Long.toHexString(perCpu) + " ");
    }
}
