package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.core.experiment.Experiment;
import org.kmemu.core.experiment.RunSpec;
import org.kmemu.core.experiment.RunStats;

/**
 * The Spark runner in local mode ({@code local[2]}: two runs at once on executor threads) against the local
 * runner on the same experiment: two object allocators over one synthetic workload, same seeds. Every file of
 * every run folder is the same text, stats.json and summary.csv included once their timing (wall_seconds,
 * events_per_second) is set aside.
 */
class SparkExperimentTest {
    private static final List<String> TIMING = List.of("wallSeconds", "eventsPerSecond");
    private static final List<String> TIMING_COLUMNS = List.of("wall_seconds", "events_per_second");
    private static final Map<String, String> SMALL = Map.of("kmemu.memory.size", "256M");

    @TempDir
    Path dir;

    @Test
    void sparkWritesWhatTheLocalRunnerWritesButForTiming() throws IOException {
        Path exp = experiment("""
                vary { "kmemu.machine.object-allocator" = [slub, slab] }
                repeats = 2
                """);
        Path local = dir.resolve("local");
        Path spark = dir.resolve("spark");
        runLocally(exp, local);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkExperiment.run(new String[] {exp.toString(), "-o", spark.toString(), "-D", "kmemu.memory.size=256M"},
                LocalSpark.conf("SparkExperimentTest"), new PrintWriter(out), new PrintWriter(err));

        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("experiment spark-test: 4 runs on local[2], written to " + spark);
        assertThat(files(spark)).isEqualTo(files(local)).contains("summary.csv", "run-000/stats.json", "run-003/stats.json");
        for (String f : files(local)) {
            if (f.endsWith("stats.json")) {
                assertThat(withoutTiming(spark.resolve(f))).as(f).isEqualTo(withoutTiming(local.resolve(f)));
            } else if (f.equals("summary.csv")) {
                assertThat(csvWithoutTiming(spark.resolve(f))).isEqualTo(csvWithoutTiming(local.resolve(f)));
            } else if (!f.equals("report.html")) {
                assertThat(Files.readString(spark.resolve(f))).as(f).isEqualTo(Files.readString(local.resolve(f)));
            }
        }
        // The two policies really differ, so equal folders are not two copies of one run.
        assertThat(Files.readString(spark.resolve("run-000/stats.json"))).isNotEqualTo(Files.readString(spark.resolve("run-002/stats.json")));
    }

    @Test
    void aWrongExperimentIsOneLineAndExitCodeOneBeforeSparkStarts() throws IOException {
        Path exp = experiment("""
                vary { "kmemu.machine.object-allocator" = [slub, slabby] }
                """);
        StringWriter err = new StringWriter();
        // A master Spark cannot parse: had the driver started Spark, the error would be Spark's.
        int code = SparkExperiment.run(new String[] {exp.toString()}, LocalSpark.conf("unused").setMaster("no-such-master"),
                new PrintWriter(new StringWriter()), new PrintWriter(err));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("kmemu: " + exp + ":").contains("slabby").hasLineCount(1);
    }

    @Test
    void aMissingExperimentFileIsExitCodeOne() {
        StringWriter err = new StringWriter();
        Path missing = dir.resolve("nothing.conf");
        int code = SparkExperiment.run(new String[] {missing.toString()}, LocalSpark.conf("unused").setMaster("no-such-master"),
                new PrintWriter(new StringWriter()), new PrintWriter(err));

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("kmemu: no such experiment file: " + missing + System.lineSeparator());
    }

    @Test
    void anExperimentFileThatChangedSinceTheDriverReadItIsRefused() throws IOException {
        Path exp = experiment("");
        JobSpec job = JobSpec.of(exp, List.of(), SMALL);
        Files.writeString(exp, Files.readString(exp) + "seed = 8\n");

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> job.load(exp, null)))
                .hasMessageStartingWith(exp + ": not the driver's experiment file (SHA-256 ")
                .hasMessageContaining("every executor must read the same file");
    }

    /** The experiment's common part, then {@code rest}. */
    private Path experiment(String rest) throws IOException {
        Path exp = dir.resolve("spark-test.conf");
        Files.writeString(exp, """
                machine = "%s"
                workload { type = synthetic, events = 3000 }
                seed = 7
                sample-every = 1000
                """.formatted(LocalSpark.root().resolve("config/machines/x86_64.conf")) + rest);
        return exp;
    }

    /** What {@code kmemu experiment} does, run by run on this thread. */
    private static void runLocally(Path exp, Path out) {
        Experiment e = Experiment.load(exp, List.of(BundledPlugins.directory()), SMALL, out);
        try {
            List<RunStats> stats = new ArrayList<>();
            for (RunSpec spec : e.runs()) {
                var run = e.run(spec);
                e.writeRun(run);
                stats.add(run.stats());
            }
            e.finish(stats);
        } finally {
            e.host().close();
        }
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    private static String withoutTiming(Path statsJson) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode tree = json.readTree(statsJson.toFile());
        ObjectNode totals = (ObjectNode) tree.get("totals");
        assertThat(totals.has(TIMING.get(0))).as("%s has totals.%s", statsJson, TIMING.get(0)).isTrue();
        TIMING.forEach(totals::remove);
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    }

    private static List<String> csvWithoutTiming(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = Arrays.asList(lines.get(0).split(",", -1));
        List<Integer> drop = TIMING_COLUMNS.stream().map(header::indexOf).filter(i -> i >= 0).toList();
        assertThat(drop).as("timing columns of %s", header).hasSize(TIMING_COLUMNS.size());
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            String[] cells = line.split(",", -1);
            TreeMap<Integer, String> row = new TreeMap<>();
            for (int i = 0; i < cells.length; i++) {
                if (!drop.contains(i)) {
                    row.put(i, cells[i]);
                }
            }
            kept.add(String.join(",", row.values()));
        }
        return kept;
    }
}
