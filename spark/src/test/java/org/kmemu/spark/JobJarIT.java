package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar as a cluster runs it: spark-submit's own main class ({@code org.apache.spark.deploy.SparkSubmit},
 * what the {@code spark-submit} script runs) in a JVM of its own, on a class path of Spark and its libraries
 * only (target/spark-classpath.txt: nothing of kmemu's), {@code --master local[2]}, the job jar as the user jar.
 * kmemu, its libraries and its plugins come from the job jar alone.
 */
class JobJarIT {
    private static final String JAR_PROPERTY = "kmemu.spark.job-jar";
    private static final Path JAR = Path.of(System.getProperty(JAR_PROPERTY, "target/kmemu-spark-job.jar"));

    @TempDir
    Path dir;

    /** Surefire's integration-test execution sets the jar's path; the test phase (before package, -Dtest=...) has none. */
    @BeforeEach
    void onlyAfterPackage() {
        assumeTrue(System.getProperty(JAR_PROPERTY) != null, "the job jar is tested in the integration-test phase");
    }

    @Test
    void theJobJarHoldsKmemuAndThePluginsButNotSpark() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertThat(names).contains("org/kmemu/spark/SparkExperiment.class", "org/kmemu/core/Kmemu.class",
                    "org/kmemu/api/Architecture.class", "org/pf4j/PluginManager.class",
                    "kmemu-plugins/kmemu-arch-x86_64.jar", "kmemu-plugins/kmemu-alloc-slob.jar");
            assertThat(names).filteredOn(n -> n.startsWith("org/kmemu/spark/shaded/jackson/databind/")).isNotEmpty();
            assertThat(names).noneMatch(n -> n.startsWith("org/apache/spark/") || n.startsWith("scala/")
                    || n.startsWith("org/apache/hadoop/") || n.startsWith("org/slf4j/") || n.startsWith("com/fasterxml/"));
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo(SparkExperiment.class.getName());
        }
    }

    @Test
    void sparkSubmitRunsAnExperimentAsTheLocalRunnerDoes() throws Exception {
        Path exp = OutputFolders.experiment(dir, """
                vary { "kmemu.machine.object-allocator" = [slub, slob] }
                """);
        Path local = dir.resolve("local");
        OutputFolders.runLocally(exp, OutputFolders.SMALL, local);

        Path out = dir.resolve("spark");
        Result r = sparkSubmit(exp.toString(), "-o", out.toString(), "-D", "kmemu.memory.size=256M");

        assertThat(r.code).as(r.output).isZero();
        assertThat(r.output).contains("kmemu: experiment spark-test: 2 runs on local[2], written to " + out);
        OutputFolders.assertSameButForTiming(out, local);
    }

    @Test
    void aWrongExperimentIsKmemusOneLineThroughSparkSubmit() throws Exception {
        Path exp = OutputFolders.experiment(dir, """
                vary { "kmemu.machine.object-allocator" = [slub, slabby] }
                """);
        Result r = sparkSubmit(exp.toString());

        assertThat(r.code).as(r.output).isEqualTo(1);
        // Naming the loaded policies shows the plugins came out of the job jar and loaded.
        assertThat(r.output).contains("kmemu: " + exp + ":").contains("slabby").contains("slob");
    }

    private record Result(int code, String output) {
    }

    private Result sparkSubmit(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        Arrays.stream(System.getProperty("kmemu.spark.jvm-options", "").split("\\s+")).filter(o -> !o.isBlank()).forEach(cmd::add);
        cmd.add("-Dlog4j2.configurationFile=" + Path.of("target/test-classes/log4j2-test.properties").toAbsolutePath());
        cmd.add("-cp");
        cmd.add(Files.readString(Path.of(System.getProperty("kmemu.spark.classpath-file", "target/spark-classpath.txt"))).trim());
        cmd.addAll(List.of("org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--class", SparkExperiment.class.getName(), JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("spark-submit.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("spark-submit did not finish in 180 s: " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }
}
