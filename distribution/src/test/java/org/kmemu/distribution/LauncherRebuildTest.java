package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the {@code ./kmemu} launcher rebuilds (issue 8, defect 8). The real script runs in a copy of
 * the repository's shape, with a stand-in {@code mvn} that counts builds and a stand-in {@code java}:
 * a build happens on first use, after a main source changed and after one was deleted, but not for
 * tool state (jqwik's database, build output) or test sources.
 */
class LauncherRebuildTest {
    @TempDir
    Path tmp;

    private Path root;
    private Path builds;

    @BeforeEach
    void repositoryShape() throws IOException {
        root = tmp.resolve("kmemu");
        Files.createDirectories(root);
        Files.copy(Launcher.ROOT.resolve("kmemu"), root.resolve("kmemu"));
        for (String f : List.of("pom.xml", "api/pom.xml", "api/src/main/java/A.java", "core/src/main/java/B.java",
                "core/src/main/resources/reference.conf", "core/src/test/java/BTest.java", "plugins/p/src/main/java/C.java",
                "distribution/pom.xml")) {
            write(root.resolve(f), "// " + f + "\n");
        }
        builds = tmp.resolve("builds");
        // The stand-in Maven: counts its runs and lays out what the launcher checks for.
        Path bin = tmp.resolve("bin");
        write(bin.resolve("mvn"), "#!/usr/bin/env bash\necho build >> '" + builds + "'\n"
                + "mkdir -p distribution/target/kmemu/lib distribution/target/kmemu/plugins\n");
        write(tmp.resolve("jdk/bin/java"), "#!/usr/bin/env bash\necho ran\n");
        for (Path p : List.of(bin.resolve("mvn"), tmp.resolve("jdk/bin/java"), root.resolve("kmemu"))) {
            p.toFile().setExecutable(true);
        }
    }

    @Test
    void buildsOnFirstUseOnlyOnce() throws Exception {
        launch();
        launch();
        assertThat(buildCount()).isEqualTo(1);
    }

    @Test
    void rebuildsWhenAMainSourceChanges() throws Exception {
        launch();
        Path b = root.resolve("core/src/main/java/B.java");
        write(b, "// changed\n");
        Files.setLastModifiedTime(b, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        launch();
        assertThat(buildCount()).isEqualTo(2);
    }

    @Test
    void rebuildsWhenAMainSourceIsDeleted() throws Exception {
        launch();
        Files.delete(root.resolve("plugins/p/src/main/java/C.java"));
        launch();
        assertThat(buildCount()).as("a deleted source must not stay in the last build's jars").isEqualTo(2);
        launch();
        assertThat(buildCount()).isEqualTo(2);
    }

    @Test
    void toolStateAndTestSourcesDoNotRebuild() throws Exception {
        launch();
        long later = System.currentTimeMillis() + 5_000;
        for (String f : List.of("core/target/jqwik-database", "core/target/classes/B.class", "core/src/test/java/BTest.java",
                "core/src/test/java/NewTest.java", "plugins/p/target/surefire-reports/x.txt")) {
            write(root.resolve(f), "x\n");
            Files.setLastModifiedTime(root.resolve(f), FileTime.fromMillis(later));
        }
        launch();
        assertThat(buildCount()).isEqualTo(1);
    }

    /** Every module keeps jqwik's failure database under target/ (the parent pom says where): none in the watched tree. */
    @Test
    void noJqwikDatabaseOutsideBuildOutput() throws IOException {
        try (Stream<Path> s = Files.walk(Launcher.ROOT)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().contains("jqwik-database"))
                    .filter(p -> !Launcher.ROOT.relativize(p).toString().contains("target"))
                    .filter(p -> !Launcher.ROOT.relativize(p).startsWith(".git"))
                    .toList();
            assertThat(found).isEmpty();
        }
    }

    private void launch() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("kmemu").toString(), "boot").directory(tmp.toFile());
        pb.environment().remove("KMEMU_NO_BUILD");
        pb.environment().put("PATH", tmp.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("ran");
    }

    private int buildCount() throws IOException {
        return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
