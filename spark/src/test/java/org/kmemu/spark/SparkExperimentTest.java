package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark runner in local mode ({@code local[2]}: two runs at once on executor threads) against the local
 * runner on the same experiment: two object allocators over one synthetic workload, same seeds, twice each. Every file of
 * every run folder is the same text, stats.json and summary.csv included once their timing (wall_seconds,
 * events_per_second) is set aside.
 */
class SparkExperimentTest {
    private static final Map<String, String> SMALL = OutputFolders.SMALL;

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
        OutputFolders.runLocally(exp, SMALL, local);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkExperiment.run(new String[] {exp.toString(), "-o", spark.toString(), "-D", "kmemu.memory.size=256M",
                "--plugins", BundledPlugins.directory().toString()},
                LocalSpark.conf("SparkExperimentTest"), new PrintWriter(out), new PrintWriter(err));

        assertThat(code).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("experiment spark-test: 4 runs on local[2], written to " + spark);
        OutputFolders.assertSameButForTiming(spark, local);
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

    private Path experiment(String rest) throws IOException {
        return OutputFolders.experiment(dir, rest);
    }
}
