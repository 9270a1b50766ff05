package org.kmemu.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every examples/NAME/pom.xml was built by kit-it's invoker as a third party builds it (its own pom,
 * the installed api and tck), its tests (the TCK) ran and passed, ./kmemu loads its jar, and boots with
 * it: each machine file the example ships, and the default machine with an allocator policy selected.
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
            assertThat(r.stdout()).as("%s", r).containsPattern("(?m)^\\s*" + Pattern.quote(id) + "\\s+\\S+\\s+STARTED\\b");
            for (List<String> boot : boots(Launcher.ROOT.resolve("examples").resolve(name), jar)) {
                List<String> args = new ArrayList<>(boot);
                args.addAll(List.of("--plugins", plugins.toString()));
                Launcher.Result b = Launcher.run(args);
                assertThat(b.code()).as("kmemu %s\n%s", String.join(" ", boot), b).isZero();
                assertThat(b.stdout()).as("kmemu %s\n%s", String.join(" ", boot), b).contains("Memory: ");
            }
        }));
    }

    private static final Pattern ALLOCATOR = Pattern.compile("(?m)^\\s*kmemu\\.(page-allocator|object-allocator)\\.([a-z][a-z0-9-]*)");

    /**
     * The boots that show an example works: one per machine file it ships ({@code -c NAME.conf}), and
     * for an allocator policy (its reference.conf's namespace says which) the default machine with
     * the policy selected by {@code -D}.
     */
    private static List<List<String>> boots(Path example, Path jar) throws IOException {
        List<List<String>> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(example)) {
            for (Path conf : s.filter(p -> p.toString().endsWith(".conf")).sorted().toList()) {
                out.add(List.of("boot", "-c", conf.toString()));
            }
        }
        try (JarFile f = new JarFile(jar.toFile())) {
            JarEntry reference = f.getJarEntry("reference.conf");
            if (reference != null) {
                Matcher m = ALLOCATOR.matcher(new String(f.getInputStream(reference).readAllBytes(), StandardCharsets.UTF_8));
                while (m.find()) {
                    List<String> boot = List.of("boot", "-D", "kmemu.machine." + m.group(1) + "=" + m.group(2));
                    if (!out.contains(boot)) {
                        out.add(boot);
                    }
                }
            }
        }
        return out;
    }
}
