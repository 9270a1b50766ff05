package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.core.experiment.Experiment;
import org.kmemu.core.experiment.LocalRunner;
import org.kmemu.core.experiment.Progress;
import org.kmemu.core.experiment.RunOutput;
import org.kmemu.core.experiment.RunSpec;
import org.kmemu.core.experiment.RunStats;
import org.kmemu.core.experiment.StatsJson;
import org.kmemu.core.plugin.PluginHost;

/**
 * Experiments with the real plugins, in this JVM: the file's points checked against the machines they
 * make, run() on the shipped i386 machine with a workload whose every call is known (a plugin built
 * here, so that the numbers can be worked out by hand), a failing run among good ones, the same
 * results on one thread and two.
 */
class ExperimentTest {
    @TempDir
    static Path shared;

    static Path workloads;

    /**
     * A plugin with two workloads. {@code fixed}: {@code n} kmallocs of {@code size} bytes from
     * {@code fixed_site}, an advance after each, then frees every other one; {@code boom}: throws after
     * 10 events when its setting {@code fail} is true.
     */
    @BeforeAll
    static void buildWorkloadPlugin() throws IOException, URISyntaxException {
        workloads = Files.createDirectories(shared.resolve("workload-plugins"));
        Path fixed = FakePlugins.compileExtension("FixedWorkload", String.join("\n",
                "package org.example;",
                "import org.kmemu.api.*;",
                "@org.pf4j.Extension",
                "public class FixedWorkload implements Workload {",
                "  public String id() { return \"fixed\"; }",
                "  public String description() { return \"n kmallocs of one size, then frees half\"; }",
                "  public WorkloadRun prepare(ConfigView s, WorkloadContext c) {",
                "    int n = s.getInt(\"n\"); long size = s.getLong(\"size\");",
                "    boolean fail = s.hasPath(\"fail\") && s.getBoolean(\"fail\");",
                "    return new WorkloadRun() {",
                "      public long plannedEvents() { return n + n / 2; }",
                "      public WorkloadReport run(KernelCalls k) {",
                "        long[] p = new long[n];",
                "        for (int i = 0; i < n; i++) {",
                "          if (fail && i == 10) throw new IllegalStateException(\"boom at event 10\\nsecond line\");",
                "          p[i] = k.kmalloc(i % k.cpus(), size, Gfp.GFP_KERNEL, \"fixed_site\"); k.advance(1);",
                "        }",
                "        for (int i = 0; i < n; i += 2) { k.kfree(0, p[i], \"fixed_site\"); k.advance(1); }",
                "        return new WorkloadReport(n + (n + 1) / 2, java.util.Map.of(\"seed_low_bits\", c.seed() & 0xff));",
                "      }",
                "    };",
                "  }",
                "}"));
        FakePlugins.writeJar(workloads.resolve("fixed.jar"), FakePlugins.manifest("fixed", ">=" + PluginHost.systemVersion()),
                List.of(fixed));
    }

    private static List<Path> plugins() {
        return List.of(Launcher.DIST.resolve("plugins"), workloads);
    }

    private static Path experiment(Path dir, String text) throws IOException {
        Path f = dir.resolve("exp.conf");
        Files.writeString(f, "machine = \"" + Launcher.ROOT.resolve("config/machines/i386-highmem.conf") + "\"\n" + text);
        return f;
    }

    @Test
    void aPointWhoseMachineWouldNotBootIsRefusedAtItsValuesLine(@TempDir Path dir) throws IOException {
        Path f = experiment(dir, """
                workload { type = fixed, n = 10, size = 100 }
                vary {
                  "kmemu.machine.object-allocator" = [slub,
                    slub2]
                }
                """);
        assertThatThrownBy(() -> Experiment.load(f, plugins(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f.toAbsolutePath() + ":5: kmemu.machine.object-allocator = \"slub2\": ")
                .hasMessageContaining("slub2");
        Path g = experiment(dir, """
                workload { type = fixed, n = 10, size = 100 }
                vary {
                  "kmemu.cpus" = [1, many]
                }
                """);
        assertThatThrownBy(() -> Experiment.load(g, plugins(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(g.toAbsolutePath() + ":4: kmemu.cpus = \"many\": ");
        Path h = experiment(dir, """
                workload { type = fixed, n = 10, size = 100 }
                vary {
                  "kmemu.no-such-key" = [1]
                }
                """);
        assertThatThrownBy(() -> Experiment.load(h, plugins(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(h.toAbsolutePath() + ":4: kmemu.no-such-key = 1: ").hasMessageContaining("unknown key");
    }

    @Test
    void anUnknownWorkloadOrABadSettingIsRefusedBeforeAnyRun(@TempDir Path dir) throws IOException {
        Path f = experiment(dir, "workload {\n  type = nope\n}\n");
        assertThatThrownBy(() -> Experiment.load(f, plugins(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f.toAbsolutePath() + ":3: workload.type: no workload \"nope\" (expected one of: ")
                .hasMessageContaining("fixed");
        Path g = experiment(dir, "workload { type = fixed, n = 10, size = 100 }\nvary { workload.n = [10,\n ten] }\n");
        assertThatThrownBy(() -> Experiment.load(g, plugins(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(g.toAbsolutePath() + ":4: workload.n: \"ten\" (expected: ");
    }

    @Test
    void aRunMeasuresWhatItsWorkloadDid(@TempDir Path dir) throws IOException {
        Path f = experiment(dir, """
                workload { type = fixed, n = 1000, size = 100 }
                vary { "kmemu.machine.object-allocator" = [slub, slob] }
                sample-every = 100
                """);
        Experiment e = Experiment.load(f, plugins(), Map.of(), dir.resolve("out"));
        assertThat(e.runs()).extracting(RunSpec::name).containsExactly("run-000", "run-001");
        RunOutput slub = e.run(e.runs().get(0));
        RunStats s = slub.stats();
        assertThat(s.status()).as(s.error()).isEqualTo("ok");
        assertThat(s.machine().objectAllocator()).isEqualTo("slub");
        assertThat(s.machine().arch()).isEqualTo("i386");
        assertThat(s.workload().events()).isEqualTo(1500);
        RunStats.Totals t = s.totals();
        // SLUB gives a 100-byte kmalloc its kmalloc-128 slot (mm/slab_common.c kmalloc_info).
        assertThat(t.bytesRequested()).isEqualTo(100_000);
        assertThat(t.bytesAllocated()).isEqualTo(128_000);
        assertThat(t.internalFragmentation()).isEqualTo(1 - 100.0 / 128);
        assertThat(t.allocFailures()).isZero();
        assertThat(t.fallbacks()).as("counted").isNotNegative();
        assertThat(t.fragmentingFallbacks()).isBetween(0L, t.fallbacks());
        assertThat(t.peakFootprintPages()).isGreaterThanOrEqualTo(t.finalFootprintPages()).isGreaterThan(0);
        assertThat(t.slabPages()).isPositive();
        // 500 live objects of 100 bytes in the slab pages; every other byte of them is waste.
        assertThat(t.slabWasteBytes()).isEqualTo(t.slabPages() * 4096 - 500 * 100);
        assertThat(s.callSites()).singleElement().satisfies(c -> {
            assertThat(c.callSite()).isEqualTo("fixed_site");
            assertThat(c.hits()).isEqualTo(1000);
            assertThat(c.waste()).isEqualTo(28_000);
        });
        // The histogram sink: 1000 kmallocs of 100 bytes, given 128, all in log2 bucket 7 (64 < size <= 128).
        RunStats.KernelEvents ev = s.kernelEvents();
        assertThat(ev).isNotNull();
        assertThat(ev.histograms()).extracting(RunStats.Histogram::name)
                .containsExactly("bytes_req", "bytes_alloc", "page_order", "vmalloc_size", "tlb_flush_pages", "walk_levels");
        long[] req = new long[8];
        req[7] = 1000;
        assertThat(ev.histograms().get(0).counts()).containsExactly(req);
        assertThat(ev.histograms().get(1).counts()).containsExactly(req);
        assertThat(ev.vmallocAreas()).as("the workload vmallocs nothing").isZero();
        assertThat(ev.tlbFlushes()).containsOnlyKeys("flush_on_task_switch", "remote_shootdown", "local_shootdown",
                "local_mm_shootdown", "remote_send_ipi");
        // A sample at 0, at every 100 events, and the last at 1500.
        assertThat(s.samples()).extracting(RunStats.Sample::events)
                .containsExactly(0L, 100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L, 900L, 1000L, 1100L, 1200L, 1300L, 1400L, 1500L);
        assertThat(s.samples().get(10).bytesRequested()).isEqualTo(100_000);
        assertThat(s.samples().get(5).bytesRequested()).isEqualTo(50_000);
        assertThat(s.samples()).allSatisfy(x -> assertThat(x.footprintPages()).isLessThanOrEqualTo(t.peakFootprintPages()));
        RunStats.ZoneSample normal = s.samples().get(15).zones().stream().filter(z -> z.zone().equals("Normal")).findFirst().orElseThrow();
        assertThat(normal.freeBlocks()).hasSize(11);
        assertThat(normal.unusableIndex()[0]).isZero();
        // The last sample's zones are what debugfs prints at the end.
        String unusable = slub.files().get("debugfs/extfrag/unusable_index");
        StringBuilder want = new StringBuilder();
        for (RunStats.ZoneSample z : s.samples().get(15).zones()) {
            want.append(String.format("Node %d, zone %8s ", z.node(), z.zone()));
            for (int i : z.unusableIndex()) {
                want.append(String.format("%d.%03d ", i / 1000, i % 1000));
            }
            want.append('\n');
        }
        assertThat(unusable).isEqualTo(want.toString());
        assertThat(slub.files().keySet()).contains("machine.conf", "stats.json", "dmesg", "proc/buddyinfo", "proc/meminfo",
                "proc/slabinfo", "debugfs/extfrag/extfrag_index");
        assertThat(StatsJson.fromJson(slub.files().get("stats.json"))).usingRecursiveComparison().isEqualTo(s);

        RunStats slob = e.run(e.runs().get(1)).stats();
        assertThat(slob.status()).isEqualTo("ok");
        // SLOB: the request plus its 8-byte header, in 2-byte units (mm/slob.c, kmemu's i386 has no ARCH_KMALLOC_MINALIGN above 8).
        assertThat(slob.totals().bytesAllocated()).isEqualTo(108_000);
        assertThat(slob.seed()).as("the same stream on every machine of a point").isEqualTo(s.seed());

        e.writeRun(slub);
        assertThat(dir.resolve("out/run-000/proc/buddyinfo")).hasContent(slub.files().get("proc/buddyinfo"));
        Launcher.Result again = Launcher.run("boot", "-c", dir.resolve("out/run-000/machine.conf").toString());
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.stdout()).contains("Zone ranges:");
    }

    @Test
    void aFailingRunIsRecordedAndTheOthersGoOn(@TempDir Path dir) throws IOException {
        Path f = experiment(dir, """
                workload { type = fixed, n = 100, size = 64 }
                vary { workload.fail = [false, true] }
                """);
        Experiment e = Experiment.load(f, plugins(), Map.of(), dir.resolve("out"));
        LocalRunner.run(e, 2, Progress.NONE);
        RunStats good = StatsJson.read(dir.resolve("out/run-000"));
        RunStats bad = StatsJson.read(dir.resolve("out/run-001"));
        assertThat(good.status()).isEqualTo("ok");
        assertThat(bad.status()).isEqualTo("failed");
        assertThat(bad.error()).isEqualTo("IllegalStateException: boom at event 10");
        assertThat(bad.totals()).isNull();
        assertThat(dir.resolve("out/run-001/error.txt")).content().contains("boom at event 10");
        List<String> csv = Files.readAllLines(dir.resolve("out/summary.csv"));
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0)).startsWith("run,name,workload.fail,repeat,seed,status,events,bytes_requested,")
                .endsWith(",wall_seconds,events_per_second");
        assertThat(csv.get(1)).startsWith("0,run-000,false,0,").contains(",ok,150,6400,");
        assertThat(csv.get(2)).startsWith("1,run-001,true,0,").endsWith(",failed" + ",".repeat(25)); // 25 metrics
    }

    @Test
    void oneThreadOrTwoGiveTheSameResults(@TempDir Path dir) throws IOException {
        Path f = experiment(dir, """
                workload { type = fixed, n = 3000, size = 8 }   # 8 bytes: SLUB gives 8, SLAB 32, SLOB 16
                vary {
                  "kmemu.machine.object-allocator" = [slub, slab, slob]
                  "kmemu.cpus" = [1, 2]
                }
                repeats = 2
                sample-every = 250
                """);
        Experiment one = Experiment.load(f, plugins(), Map.of(), dir.resolve("one"));
        Experiment two = Experiment.load(f, plugins(), Map.of(), dir.resolve("two"));
        assertThat(two.runs()).isEqualTo(one.runs());
        assertThat(one.runs()).hasSize(12);
        assertThat(one.runs().stream().map(RunSpec::seed).distinct()).as("repeats differ, points do not").hasSize(2);
        LocalRunner.run(one, 1, Progress.NONE);
        LocalRunner.run(two, 2, Progress.NONE);
        assertThat(withoutTiming(dir.resolve("two/summary.csv"))).isEqualTo(withoutTiming(dir.resolve("one/summary.csv")));
        for (RunSpec r : one.runs()) {
            RunStats a = StatsJson.read(dir.resolve("one").resolve(r.name()));
            RunStats b = StatsJson.read(dir.resolve("two").resolve(r.name()));
            assertThat(a.status()).isEqualTo("ok");
            assertThat(b).usingRecursiveComparison().ignoringFields("totals.wallSeconds", "totals.eventsPerSecond").isEqualTo(a);
            for (String file : List.of("proc/buddyinfo", "proc/slabinfo", "proc/meminfo", "debugfs/extfrag/extfrag_index", "machine.conf")) {
                Path pa = dir.resolve("one").resolve(r.name()).resolve(file);
                if (Files.exists(pa)) {
                    assertThat(dir.resolve("two").resolve(r.name()).resolve(file)).as(r.name() + "/" + file).hasSameTextualContentAs(pa);
                }
            }
        }
        // The policies differ, or the comparison would be empty.
        List<String> rows = Files.readAllLines(dir.resolve("one/summary.csv"));
        assertThat(rows.stream().skip(1).map(l -> l.split(",")[9]).distinct()).as("bytes_allocated by policy").hasSize(3);
    }

    /** summary.csv's rows without the two timing columns, which are the last two. */
    private static List<String> withoutTiming(Path csv) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            String[] cells = line.split(",", -1);
            out.add(String.join(",", java.util.Arrays.copyOf(cells, cells.length - 2)));
        }
        assertThat(out.get(0)).doesNotContain("wall_seconds");
        return out;
    }
}
