package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.core.experiment.RunStats;
import org.kmemu.core.experiment.StatsJson;
import org.kmemu.core.experiment.report.HtmlReport;
import org.kmemu.core.experiment.report.HtmlReportInChromium;
import org.kmemu.core.workload.FtraceEvent;
import org.kmemu.core.workload.FtraceReader;

/**
 * The experiments of config/experiments/ run end to end through {@code ./kmemu experiment}: every run
 * succeeds and has its folder, summary.csv has a row per run, the policies give different results, and
 * the real boot traces replayed under their own policy give back what the real kernel's allocator gave.
 */
class ShippedExperimentsTest {
    @TempDir
    Path out;

    private static List<CSVRecord> summary(Path dir) throws IOException {
        try (Reader r = Files.newBufferedReader(dir.resolve("summary.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build().parse(r).getRecords();
        }
    }

    private Path run(String experiment, int runs) throws IOException {
        Path dir = out.resolve(experiment);
        Launcher.Result r = Launcher.run("experiment", "config/experiments/" + experiment + ".conf", "-o", dir.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        // Not a terminal: no progress line on stderr, nothing but errors; the output folder and the table on stdout.
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        assertThat(r.stdout()).contains("written to " + dir).contains("run-000");
        // The report opens offline in a browser, every chart drawn and no error logged. Without Chromium
        // only that check is left out (the rest of the test still runs), unless KMEMU_REQUIRE_CHROMIUM=1,
        // as CI sets it, makes its absence a failure.
        assertThat(dir.resolve(HtmlReport.FILE)).isRegularFile();
        if (HtmlReportInChromium.chromium().isPresent() || "1".equals(System.getenv("KMEMU_REQUIRE_CHROMIUM"))) {
            try {
                HtmlReportInChromium.assertRendered(dir.resolve(HtmlReport.FILE));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        } else {
            System.err.println("SKIPPED: " + experiment + "'s report.html in headless Chromium: no chromium on PATH");
        }
        List<CSVRecord> rows = summary(dir);
        assertThat(rows).hasSize(runs);
        for (CSVRecord row : rows) {
            assertThat(row.get("status")).as(row.toString()).isEqualTo("ok");
            Path run = dir.resolve(row.get("name"));
            RunStats s = StatsJson.read(run);
            assertThat(s.status()).isEqualTo("ok");
            assertThat(s.samples()).hasSizeGreaterThan(1);
            assertThat(row.get("bytes_allocated")).isEqualTo(Long.toString(s.totals().bytesAllocated()));
            assertThat(run.resolve("machine.conf")).isRegularFile();
            assertThat(run.resolve("proc/buddyinfo")).isRegularFile();
            assertThat(run.resolve("debugfs/extfrag/extfrag_index")).isRegularFile();
        }
        return dir;
    }

    /** Each trace's bytes_alloc as the real kernel reported it: every allocation that returned an object. */
    private static long tracedBytesAlloc(String policy) throws IOException {
        long sum = 0;
        for (FtraceEvent e : FtraceReader.read(Launcher.ROOT.resolve("traces/kmem-i386-" + policy + ".log.gz")).events()) {
            if ((e.name().startsWith("kmalloc") || e.name().startsWith("kmem_cache_alloc")) && e.hex("ptr") != 0) {
                sum += e.decimal("bytes_alloc");
            }
        }
        return sum;
    }

    @Test
    void bootTracesReproduceEachKernelsBytesUnderItsOwnPolicyAndThePoliciesDiffer() throws IOException {
        Path dir = run("boot-traces", 9);
        Map<String, Map<String, Long>> allocated = new HashMap<>(); // trace -> policy -> bytes_allocated
        for (CSVRecord row : summary(dir)) {
            String trace = row.get("workload.file").replaceAll(".*kmem-i386-(\\w+)\\.log\\.gz", "$1");
            allocated.computeIfAbsent(trace, t -> new HashMap<>()).put(row.get("kmemu.machine.object-allocator"),
                    Long.parseLong(row.get("bytes_allocated")));
        }
        for (String policy : List.of("slub", "slab", "slob")) {
            long traced = tracedBytesAlloc(policy);
            long own = allocated.get(policy).get(policy);
            // As KmemTraceReplayTest: at least 99.5%, and the few differences (cache alignment the trace does not give)
            // only add to kmemu's side.
            assertThat((double) Math.min(own, traced) / Math.max(own, traced)).as(policy + ": " + own + " of " + traced)
                    .isGreaterThanOrEqualTo(0.995);
            assertThat(allocated.get(policy).values().stream().distinct()).as("the three policies on the " + policy + " trace")
                    .hasSize(3);
        }
        // A run's machine.conf boots its machine again: SLAB's slabinfo, with its tunables (SLUB prints zeros there).
        Launcher.Result again = Launcher.run("proc", "slabinfo", "-c", dir.resolve("run-004/machine.conf").toString());
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.stdout()).contains(": tunables  120   60    8 :");
    }

    @Test
    void syntheticMachinesRunsEveryMachineUnderEveryPolicyAndThePoliciesDiffer() throws IOException {
        Path dir = run("synthetic-machines", 12);
        Map<String, java.util.Set<String>> bytesByMachine = new HashMap<>();
        for (CSVRecord row : summary(dir)) {
            assertThat(row.get("events")).isEqualTo("100000");
            bytesByMachine.computeIfAbsent(row.get("machine"), m -> new java.util.HashSet<>()).add(row.get("bytes_allocated"));
        }
        assertThat(bytesByMachine).hasSize(4);
        bytesByMachine.forEach((machine, bytes) -> assertThat(bytes).as(machine + ": SLUB, SLAB, SLOB").hasSize(3));

        // Fallbacks are counted: every run has a number (the buddy reports mm_page_alloc_extfrag), and the
        // slab pages the stream asks for (unmovable) must come from the movable pageblocks boot freed on
        // the i386 machines, whose first unmovable pageblock boot's own allocations used up.
        Map<String, Long> fallbacksByMachine = new HashMap<>();
        Map<String, java.util.Set<String>> tlbByMachine = new HashMap<>();
        for (CSVRecord row : summary(dir)) {
            long fallbacks = Long.parseLong(row.get("fallbacks"));
            assertThat(Long.parseLong(row.get("fragmenting_fallbacks"))).isBetween(0L, fallbacks);
            fallbacksByMachine.merge(row.get("machine"), fallbacks, Long::sum);
            // touch = true: every object is written, so every run's TLB saw the stream.
            long hits = Long.parseLong(row.get("tlb_hits"));
            long misses = Long.parseLong(row.get("tlb_misses"));
            assertThat(hits + misses).as(row.toString()).isGreaterThanOrEqualTo(50_000);
            tlbByMachine.computeIfAbsent(row.get("machine"), m -> new java.util.HashSet<>())
                    .add(row.get("tlb_misses") + "/" + row.get("page_walks"));
        }
        assertThat(fallbacksByMachine.get("../machines/i386-highmem.conf")).isPositive();
        // The machines' kernel mappings differ, so do their TLB figures: e500's software-refilled TLB walks no
        // tables, x86_64 walks fewer than it misses (its paging-structure caches), i386 walks on every miss.
        assertThat(tlbByMachine.values().stream().flatMap(java.util.Set::stream).distinct().count())
                .as("TLB misses/walks across machines and policies").isGreaterThan(6);
        assertThat(tlbByMachine.get("../machines/booke-e500.conf")).allSatisfy(t -> assertThat(t).endsWith("/0"));

        // The same plan on one thread gives the same counts: they are per run and deterministic.
        Path again = out.resolve("synthetic-machines-j1");
        Launcher.Result r = Launcher.run("experiment", "config/experiments/synthetic-machines.conf", "-j", "1", "-o",
                again.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        List<CSVRecord> first = summary(dir);
        List<CSVRecord> second = summary(again);
        for (int i = 0; i < first.size(); i++) {
            for (String col : List.of("fallbacks", "fragmenting_fallbacks", "tlb_hits", "tlb_misses", "page_walks")) {
                assertThat(second.get(i).get(col)).as(first.get(i).get("name") + " " + col).isEqualTo(first.get(i).get(col));
            }
        }
    }

    @Test
    void cpuSweepHoldsMoreSlabPagesAsCpusAreAdded() throws IOException {
        Path dir = run("cpu-sweep", 8);
        Map<String, List<Long>> slabPages = new HashMap<>(); // policy -> by cpus, in the plan's order 1, 2, 4, 8
        for (CSVRecord row : summary(dir)) {
            slabPages.computeIfAbsent(row.get("kmemu.machine.object-allocator"), p -> new java.util.ArrayList<>())
                    .add(Long.parseLong(row.get("slab_pages")));
        }
        // Per-CPU slabs (SLUB's cpu slab, SLAB's array caches) hold objects and pages per CPU: more CPUs, more pages.
        slabPages.forEach((policy, pages) -> assertThat(pages).as(policy).hasSize(4).isSorted().doesNotHaveDuplicates());
    }
}
