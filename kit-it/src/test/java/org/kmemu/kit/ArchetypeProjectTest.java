package org.kmemu.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project generated from the archetype, as kit-it's invoker built it (docs/plugins.md steps 2
 * and 3): its TCK ran and passed, its jar is a PF4J plugin built against the api alone, and the
 * guide's ./kmemu commands load it, boot on it and select it by config.
 */
class ArchetypeProjectTest {
    static final Path RUN = Paths.get(System.getProperty("kit.it", "target/it")).resolve("kit-it/src/it/archetype/firstfit");
    static final Path PROJECT = RUN.resolve("firstfit-plugin");

    private final PluginBuild build = new PluginBuild(PROJECT);

    @Test
    void theTckContractAndTheProjectsOwnTestsRanAndPassed() {
        assertThat(build.ran("com.example.firstfit.FirstFitContractTest")).as("the TCK's contract ran").isTrue();
        assertThat(build.ran("com.example.firstfit.FirstFitTest")).isTrue();
        assertThat(build.testsRanAndPassed()).isGreaterThanOrEqualTo(12);
    }

    @Test
    void theJarIsAPluginBuiltAgainstTheApiAlone() throws IOException {
        Path jar = build.pluginJar();
        assertThat(PluginBuild.attribute(jar, "Plugin-Id")).isEqualTo("firstfit");
        assertThat(PluginBuild.attribute(jar, "Plugin-Version")).isEqualTo("1.0.0-SNAPSHOT");
        assertThat(PluginBuild.attribute(jar, "Plugin-Class")).isEqualTo("org.pf4j.Plugin");
        // >=X.Y.Z & <(X+1).0.0 for the api it was built against (docs/plugins.md, versions.md).
        String[] v = System.getProperty("kmemu.api.version").split("-")[0].split("\\.");
        assertThat(PluginBuild.attribute(jar, "Plugin-Requires"))
                .isEqualTo(">=" + String.join(".", v) + " & <" + (Integer.parseInt(v[0]) + 1) + ".0.0");
        try (JarFile f = new JarFile(jar.toFile())) {
            List<String> names = f.stream().map(e -> e.getName()).toList();
            assertThat(names).contains("META-INF/extensions.idx", "reference.conf",
                    "com/example/firstfit/FirstFitPolicy.class");
            assertThat(names).as("the api and PF4J are provided by kmemu, not bundled")
                    .noneMatch(n -> n.startsWith("org/kmemu/") || n.startsWith("org/pf4j/"));
            assertThat(new String(f.getInputStream(f.getEntry("META-INF/extensions.idx")).readAllBytes()))
                    .contains("com.example.firstfit.FirstFitPolicy");
            assertThat(new String(f.getInputStream(f.getEntry("reference.conf")).readAllBytes()))
                    .contains("kmemu.page-allocator.firstfit {");
        }
    }

    /** The guide's copy command names the jar CI built (its paths are relative to the guide's working directory). */
    @Test
    void theGuidesCopyCommandNamesTheBuiltJar() {
        String cp = new Guide().commands().stream().filter(l -> l.startsWith("cp ")).findFirst().orElseThrow();
        List<String> args = Arrays.asList(cp.split("\\s+"));
        assertThat(args).hasSize(4).endsWith(Guide.PLUGIN_DIR + "/");
        assertThat(args.get(1)).isEqualTo("kmemu/distribution/target/kmemu/plugins/*.jar");
        assertThat(RUN.resolve(args.get(2))).as("the jar step 3 builds").isRegularFile()
                .isEqualTo(build.pluginJar());
    }

    @Test
    void theGuidesKmemuCommandsLoadBootAndSelectIt(@TempDir Path tmp) throws IOException {
        Path plugins = Launcher.pluginDir(Files.createDirectories(tmp.resolve("plugins")), build.pluginJar());
        // The machine file of step 5, next to a copy of the shipped machines it includes.
        Path config = Files.createDirectories(tmp.resolve("config"));
        Files.createDirectories(config.resolve("machines"));
        try (Stream<Path> machines = Files.list(Launcher.ROOT.resolve("config/machines"))) {
            for (Path m : machines.toList()) {
                Files.copy(m, config.resolve("machines").resolve(m.getFileName()));
            }
        }
        Files.writeString(config.resolve("firstfit.conf"), String.join("\n", new Guide().blockLines("hocon")) + "\n");

        List<String> ran = new ArrayList<>();
        for (String command : new Guide().commands()) {
            if (!command.startsWith("./kmemu ") || !command.contains("--plugins " + Guide.PLUGIN_DIR)) {
                continue;
            }
            List<String> args = new ArrayList<>();
            for (String a : command.substring("./kmemu ".length()).split("\\s+")) {
                args.add(a.equals(Guide.PLUGIN_DIR) ? plugins.toString()
                        : a.equals("config/firstfit.conf") ? config.resolve("firstfit.conf").toString() : a);
            }
            Launcher.Result r = Launcher.run(args);
            assertThat(r.code()).as("%s\n%s", command, r).isZero();
            assertThat(r.stderr()).as("%s\n%s", command, r).doesNotContain("error", "Exception");
            String what = args.get(0).equals("proc") ? "proc " + args.get(1) : args.get(0);
            ran.add(what);
            switch (what) {
                // The plugin's line (id, version, state), then its extension with its description.
                case "plugins" -> assertThat(r.stdout()).as(command)
                        .containsPattern("(?m)^\\s*firstfit\\s+1\\.0\\.0-SNAPSHOT\\s+STARTED\\b")
                        .contains("PageAllocatorPolicy")
                        .containsPattern("firstfit:?\\s+first-fit page allocator: the lowest naturally aligned run");
                case "boot" -> assertThat(r.stdout()).as(command).contains("Memory: ");
                case "proc zoneinfo" -> {
                    // First-fit keeps no watermarks; the buddy allocator, the machine's default, does.
                    assertThat(minWatermarks(r.stdout())).as(command).isNotEmpty().containsOnly(0L);
                    Launcher.Result buddy = Launcher.run(List.of("proc", "zoneinfo", "--plugins", plugins.toString()));
                    assertThat(minWatermarks(buddy.stdout())).as("the default allocator, for contrast").anyMatch(m -> m > 0);
                }
                case "proc buddyinfo" -> assertThat(r.stdout().lines().toList()).as(command).isNotEmpty()
                        .allSatisfy(l -> assertThat(l.trim().split("\\s+"))
                                .as("Node 0, zone NAME and orders 0 to 9 (max-order = 9): %s", l).hasSize(4 + 10));
                default -> throw new AssertionError("docs/plugins.md runs a command this test does not check: " + command);
            }
        }
        assertThat(ran).as("the guide's ./kmemu commands").contains("plugins", "boot", "proc zoneinfo", "proc buddyinfo");
    }

    /** The min watermark of every zone with managed pages (an empty ZONE_MOVABLE is printed too). */
    private static List<Long> minWatermarks(String zoneinfo) {
        List<Long> out = new ArrayList<>();
        for (String zone : zoneinfo.split("(?m)^(?=Node )")) {
            long min = -1;
            long managed = 0;
            for (String l : zone.lines().map(String::trim).toList()) {
                if (l.matches("min\\s+\\d+")) {
                    min = Long.parseLong(l.split("\\s+")[1]);
                } else if (l.matches("managed\\s+\\d+")) {
                    managed = Long.parseLong(l.split("\\s+")[1]);
                }
            }
            if (managed > 0 && min >= 0) {
                out.add(min);
            }
        }
        return out;
    }
}
