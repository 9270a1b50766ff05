package org.kmemu.core.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;

class ExperimentFileTest {
    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("exp.conf");
        Files.writeString(f, text);
        return f;
    }

    private static final String BASE = "machine = \"m.conf\"\nworkload { type = synthetic, events = 10 }\n";

    @Test
    void aCartesianProductInTheFilesOrderFirstKeySlowest() throws IOException {
        ExperimentFile f = ExperimentFile.parse(write(BASE + """
                vary {
                  "kmemu.machine.object-allocator" = [slub, slab, slob]
                  "kmemu.cpus" = [1, 2]
                }
                """));
        assertThat(f.name()).isEqualTo("exp");
        assertThat(f.keys()).containsExactly("kmemu.machine.object-allocator", "kmemu.cpus");
        assertThat(f.points()).hasSize(6);
        assertThat(f.points().get(0).text()).isEqualTo(Map.of("kmemu.machine.object-allocator", "slub", "kmemu.cpus", "1"));
        assertThat(f.points().get(1).text()).isEqualTo(Map.of("kmemu.machine.object-allocator", "slub", "kmemu.cpus", "2"));
        assertThat(f.points().get(5).text()).isEqualTo(Map.of("kmemu.machine.object-allocator", "slob", "kmemu.cpus", "2"));
        assertThat(f.points().get(0).text().keySet()).containsExactly("kmemu.machine.object-allocator", "kmemu.cpus");
        assertThat(f.machine()).isEqualTo(dir.resolve("m.conf").toAbsolutePath().normalize());
        assertThat(f.seed()).isEqualTo(1);
        assertThat(f.repeats()).isEqualTo(1);
        assertThat(f.sampleEvery()).isEqualTo(ExperimentFile.DEFAULT_SAMPLE_EVERY);
    }

    @Test
    void theFilesOrderNotTheAlphabetsDecidesWhichKeyVariesSlowest() throws IOException {
        ExperimentFile f = ExperimentFile.parse(write(BASE + """
                vary {
                  workload.events = [10, 20]
                  "kmemu.cpus" = [1, 2]
                  machine = ["a.conf", "b.conf"]
                }
                """));
        assertThat(f.keys()).containsExactly("workload.events", "kmemu.cpus", "machine");
        assertThat(f.points()).hasSize(8);
        assertThat(f.points().get(1).text().get("machine")).isEqualTo("b.conf");
        assertThat(f.points().get(4).text().get("workload.events")).isEqualTo("20");
    }

    @Test
    void explicitPointsKeepTheirOrderAndMayLeaveKeysOut() throws IOException {
        ExperimentFile f = ExperimentFile.parse(write(BASE + """
                points = [
                  { "kmemu.cpus" = 1 }
                  { "kmemu.cpus" = 4, machine = "x.conf" }
                ]
                repeats = 3
                seed = 42
                """));
        assertThat(f.keys()).containsExactly("kmemu.cpus", "machine");
        assertThat(f.points()).hasSize(2);
        assertThat(f.points().get(0).text()).isEqualTo(Map.of("kmemu.cpus", "1"));
        assertThat(f.points().get(1).text()).isEqualTo(Map.of("kmemu.cpus", "4", "machine", "x.conf"));
        assertThat(f.repeats()).isEqualTo(3);
        assertThat(f.seed()).isEqualTo(42);
    }

    @Test
    void noVaryIsOnePoint() throws IOException {
        ExperimentFile f = ExperimentFile.parse(write(BASE));
        assertThat(f.points()).hasSize(1);
        assertThat(f.keys()).isEmpty();
    }

    private void refused(String text, String message) throws IOException {
        Path f = write(text);
        assertThatThrownBy(() -> ExperimentFile.parse(f)).isInstanceOf(ConfigException.class)
                .hasMessage(message.replace("FILE", f.toAbsolutePath().toString()));
    }

    @Test
    void anUnknownKeyIsRefusedAtItsLine() throws IOException {
        refused(BASE + "repeat = 2\n", "FILE:3: repeat: unknown key (expected one of: name, machine, workload, vary, points,"
                + " seed, repeats, sample-every, output, metrics)");
    }

    @Test
    void badVaryValuesAreRefusedAtTheirLine() throws IOException {
        refused(BASE + "vary {\n  \"kmemu.cpus\" = 4\n}\n", "FILE:4: vary.kmemu.cpus: 4 (expected: a non-empty list of values, e.g. [a, b])");
        refused(BASE + "vary {\n  \"kmemu.cpus\" = []\n}\n", "FILE:4: vary.kmemu.cpus: [] (expected: a non-empty list of values, e.g. [a, b])");
        refused(BASE + "vary {\n  \"kmemu.cpus\" = [1,\n 1]\n}\n", "FILE:5: vary.kmemu.cpus: 1 is listed twice");
        refused(BASE + "vary {\n  \"kmemu.cpus\" = [1, [2]]\n}\n", "FILE:4: vary.kmemu.cpus: [2] (expected: a value: a string, a number or a boolean)");
        refused(BASE + "vary {\n  cpus = [1, 2]\n}\n", "FILE:4: cpus: not a key an experiment can vary (expected: machine,"
                + " a machine key kmemu.KEY, or a workload setting workload.KEY)");
        refused(BASE + "vary = [1]\n", "FILE:3: vary: [1] (expected: an object { key = [values], ... })");
        refused(BASE + "vary {}\n", "FILE:3: vary: no key to vary (expected: { key = [values], ... }; leave vary out for one point)");
    }

    @Test
    void badPointsAreRefusedAtTheirLine() throws IOException {
        refused(BASE + "points = [\n  { \"kmemu.cpus\" = 1 }\n  7\n]\n", "FILE:5: points[1]: 7 (expected: an object { key = value, ... } with at least one key)");
        refused(BASE + "points = [\n  { \"kmemu.cpus\" = 1 }\n  { \"kmemu.cpus\" = 1 }\n]\n",
                "FILE:5: points[1]: the same point as an earlier one {kmemu.cpus=1}");
        refused(BASE + "points = [{ x = 1 }]\n", "FILE:3: x: not a key an experiment can vary (expected: machine,"
                + " a machine key kmemu.KEY, or a workload setting workload.KEY)");
        refused(BASE + "points = [{ kmemu.cpus = 1 }]\nvary { kmemu.cpus = [1] }\n",
                "FILE:3: points: given with vary at FILE:4 (expected: one of vary, a cartesian product, or points, an explicit list)");
    }

    @Test
    void otherSettingsAreChecked() throws IOException {
        refused(BASE + "repeats = 0\n", "FILE:3: repeats: 0 (expected: 1 or more)");
        refused(BASE + "sample-every = 0\n", "FILE:3: sample-every: 0 (expected: 1 or more events)");
        refused(BASE + "seed = one\n", "FILE:3: seed: \"one\" (expected: an integer)");
        refused(BASE + "metrics = [tlb_hits, footprint]\n", "FILE:3: metrics: \"footprint\": no such metric (expected some of: "
                + String.join(", ", Metrics.NAMES) + ")");
        refused(BASE + "name = \"a/b\"\n", "FILE:3: name: \"a/b\" (expected: a folder name of letters, digits, '.', '_' and '-')");
        refused("machine = \"m.conf\"\n", "FILE: workload: missing (expected: workload { type = ..., ... })");
        refused("machine = \"m.conf\"\nworkload { events = 1 }\n", "FILE:2: workload.type: missing (expected: a string)");
        refused("workload { type = x }\n", "FILE: machine: missing (expected: the base machine file, relative to this file; or a machine in every point)");
    }

    @Test
    void aFileNameThatIsNoFolderNameNeedsAName() throws IOException {
        Path f = dir.resolve("my exp.conf");
        Files.writeString(f, BASE);
        assertThatThrownBy(() -> ExperimentFile.parse(f)).isInstanceOf(ConfigException.class).hasMessage(f.toAbsolutePath()
                + ": the file's name \"my exp\" (expected: a folder name of letters, digits, '.', '_' and '-'): rename it or set name = ...");
        Files.writeString(f, BASE + "name = mine\n");
        assertThat(ExperimentFile.parse(f).name()).isEqualTo("mine");
    }

    @Test
    void aFileThatDoesNotParseSaysWhere() throws IOException {
        Path f = write(BASE + "vary {\n  \"kmemu.cpus\" = [1, 2\n}\n");
        assertThatThrownBy(() -> ExperimentFile.parse(f)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f.toString() + ":");
    }

    @Test
    void metricsKeepTheFixedOrder() throws IOException {
        ExperimentFile f = ExperimentFile.parse(write(BASE + "metrics = [tlb_hits, events]\n"));
        assertThat(Metrics.columns(f.metrics())).containsExactly("events", "tlb_hits");
        assertThat(Metrics.columns(null)).isEqualTo(Metrics.NAMES);
        assertThat(Metrics.NAMES.subList(Metrics.NAMES.size() - 2, Metrics.NAMES.size())).isEqualTo(Metrics.TIMING);
    }

    @Test
    void seedsDependOnTheSeedTheWorkloadPartAndTheRepeatOnly() {
        long a = Seeds.runSeed(1, "", 0);
        assertThat(Seeds.runSeed(1, "", 0)).isEqualTo(a);
        assertThat(List.of(Seeds.runSeed(2, "", 0), Seeds.runSeed(1, "", 1), Seeds.runSeed(1, "workload.events=5\n", 0)))
                .doesNotContain(a).doesNotHaveDuplicates();
        // A pinned value: the derivation must not change between versions, or old experiments' runs would.
        assertThat(Seeds.runSeed(1, "", 0)).isEqualTo(Seeds.mix(Seeds.mix(1) ^ 0));
    }
}
