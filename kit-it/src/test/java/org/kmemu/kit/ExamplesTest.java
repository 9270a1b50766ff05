package org.kmemu.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every examples/NAME/pom.xml was built by kit-it's invoker as a third party builds it (its own pom,
 * the installed api and tck), its tests (the TCK) ran and passed, and ./kmemu loads its jar.
 */
class ExamplesTest {
    static final Path BUILT = Paths.get(System.getProperty("kit.it", "target/it")).resolve("examples");

    @TempDir
    Path tmp;

    static List<String> examples() throws IOException {
        Path dir = Launcher.ROOT.resolve("examples");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("pom.xml"))).map(p -> p.getFileName().toString())
                    .sorted().toList();
        }
    }

    @Test
    void everyExampleWasBuilt() throws IOException {
        for (String name : examples()) {
            assertThat(BUILT.resolve(name).resolve("target")).as("examples/%s built by kit-it", name).isDirectory();
        }
    }

    @TestFactory
    Stream<DynamicTest> eachExamplePassedItsTestsAndLoads() throws IOException {
        return examples().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            PluginBuild build = new PluginBuild(BUILT.resolve(name));
            assertThat(build.testsRanAndPassed()).as("tests of examples/%s", name).isPositive();
            Path jar = build.pluginJar();
            String id = PluginBuild.attribute(jar, "Plugin-Id");
            Path plugins = Launcher.pluginDir(Files.createDirectories(tmp.resolve(name)), jar);
            Launcher.Result r = Launcher.run(List.of("plugins", "--plugins", plugins.toString()));
            assertThat(r.code()).as("%s", r).isZero();
            assertThat(r.stderr()).as("%s", r).isEmpty();
            assertThat(r.stdout()).as("%s", r).containsPattern("(?m)^\\s*" + java.util.regex.Pattern.quote(id) + "\\s+\\S+\\s+STARTED\\b");
        }));
    }
}
