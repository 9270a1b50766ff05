package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.kmemu.core.experiment.Experiment;
import org.kmemu.core.experiment.LocalRunner;
import org.kmemu.core.experiment.Progress;

/** The tests' experiment, the local runner's output folder, and the comparison of two output folders. */
final class OutputFolders {
    /** The -D settings of every run: a small machine boots fast. */
    static final Map<String, String> SMALL = Map.of("kmemu.memory.size", "256M");
    private static final List<String> TIMING = List.of("wallSeconds", "eventsPerSecond");
    private static final List<String> TIMING_COLUMNS = List.of("wall_seconds", "events_per_second");

    private OutputFolders() {
    }

    /** Writes {@code dir/spark-test.conf}: x86_64, a small synthetic workload over both CPUs, seed 7, then {@code rest}. */
    static Path experiment(Path dir, String rest) throws IOException {
        Path exp = dir.resolve("spark-test.conf");
        Files.writeString(exp, """
                machine = "%s"
                workload {
                  type = synthetic
                  events = 2000
                  live = 200
                  size { distribution = log-normal, mu = 5.0, sigma = 1.2, max = 8192 }
                  call-sites = 4
                  cpu = round-robin
                }
                seed = 7
                sample-every = 500
                """.formatted(LocalSpark.root().resolve("config/machines/x86_64.conf")) + rest);
        return exp;
    }

    /**
     * Every file of {@code actual} and {@code expected} by the same names, with the same text; stats.json and
     * summary.csv without their timing, machine.conf without its plugins directory (an executor names the one
     * it extracted the job jar's plugins into), report.html not compared (it shows the timing).
     */
    static void assertSameButForTiming(Path actual, Path expected) throws IOException {
        assertThat(files(actual)).isEqualTo(files(expected)).contains("summary.csv", "run-000/stats.json");
        for (String f : files(expected)) {
            if (f.endsWith("stats.json")) {
                assertThat(withoutTiming(actual.resolve(f))).as(f).isEqualTo(withoutTiming(expected.resolve(f)));
            } else if (f.equals("summary.csv")) {
                assertThat(csvWithoutTiming(actual.resolve(f))).isEqualTo(csvWithoutTiming(expected.resolve(f)));
            } else if (f.endsWith("machine.conf")) {
                assertThat(withoutPluginsDir(actual.resolve(f))).as(f).isEqualTo(withoutPluginsDir(expected.resolve(f)));
            } else if (!f.equals("report.html")) {
                assertThat(Files.readString(actual.resolve(f))).as(f).isEqualTo(Files.readString(expected.resolve(f)));
            }
        }
    }

    /** What {@code kmemu experiment -j 1} does: {@link LocalRunner}, one run at a time. */
    static void runLocally(Path exp, Map<String, String> overrides, Path out) {
        Experiment e = Experiment.load(exp, List.of(BundledPlugins.directory()), overrides, out);
        try {
            LocalRunner.run(e, 1, Progress.NONE);
        } finally {
            e.host().close();
        }
    }

    static List<String> files(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    /** machine.conf with its {@code plugins { dir = ... }} line, which must be there, left out. */
    private static String withoutPluginsDir(Path machineConf) throws IOException {
        String text = Files.readString(machineConf);
        String masked = text.replaceFirst("(?m)^(\\s*plugins \\{\\R\\s*dir = )\"[^\"]*\"", "$1\"...\"");
        assertThat(masked).as("%s names its plugins directory", machineConf).isNotEqualTo(text);
        return masked;
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
