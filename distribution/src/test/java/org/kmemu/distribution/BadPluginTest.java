package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken plugin jars each get one clear line naming the jar and the reason, and the plugins the
 * config does select keep working. The jars are built here, the way a third party would build them.
 */
class BadPluginTest {
    @TempDir
    static Path plugins;

    @BeforeAll
    static void buildPluginDirectory() throws Exception {
        try (Stream<Path> jars = Files.list(Launcher.DIST.resolve("plugins"))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        // Two plugins with one id.
        try (Stream<Path> jars = Files.list(Launcher.DIST.resolve("plugins"))) {
            Path buddy = jars.filter(p -> p.getFileName().toString().contains("alloc-buddy")).findFirst().orElseThrow();
            Files.copy(buddy, plugins.resolve("zz-buddy-copy.jar"));
        }
        // A jar with no manifest at all.
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(plugins.resolve("no-manifest.jar")))) {
            out.putNextEntry(new JarEntry("readme.txt"));
            out.write("not a plugin".getBytes(StandardCharsets.UTF_8));
        }
        // A plugin for a future kmemu.
        FakePlugins.writeJar(plugins.resolve("too-new.jar"), FakePlugins.manifest("too-new", ">=99.0.0"), List.of());
        // A plugin whose extension throws in its constructor.
        FakePlugins.writeJar(plugins.resolve("throwing.jar"), FakePlugins.manifest("throwing", ">=1.0.0 & <2.0.0"), compileThrowingArchitecture());
    }

    private static List<Path> compileThrowingArchitecture() throws IOException, URISyntaxException {
        return List.of(FakePlugins.compileExtension("ThrowingArch", String.join("\n",
                "package org.example;",
                "@org.pf4j.Extension",
                "public class ThrowingArch implements org.kmemu.api.Architecture {",
                "  public ThrowingArch() { throw new IllegalStateException(\"no licence for this CPU\"); }",
                "  public String id() { return \"throwing\"; }",
                "  public String description() { return \"throws\"; }",
                "  public org.kmemu.api.ArchSpec configure(org.kmemu.api.ConfigView c) { return null; }",
                "}")));
    }

    @Test
    void eachBrokenJarGetsOneLineAndTheSelectedPluginsStillBoot() {
        Launcher.Result r = Launcher.run("boot", "-c", "config/machines/x86_64.conf", "--plugins", plugins.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Zone ranges:");
        List<String> errors = r.stderr().lines().filter(l -> l.startsWith("kmemu: plugin error: ")).toList();
        assertThat(errors).as(r.toString()).hasSize(4);
        assertThat(errors).anySatisfy(l -> assertThat(l).contains("no-manifest.jar", "no META-INF/MANIFEST.MF"));
        assertThat(errors).anySatisfy(l -> assertThat(l).contains("too-new.jar", "plugin 'too-new' requires kmemu plugin API >=99.0.0, but this kmemu provides plugin API 1.2.0"));
        assertThat(errors).anySatisfy(l -> assertThat(l).contains("throwing.jar", "org.example.ThrowingArch",
                "failed in its constructor", "no licence for this CPU"));
        assertThat(errors).anySatisfy(l -> assertThat(l).contains("zz-buddy-copy.jar", "plugin id 'buddy' is already loaded from"));
        assertThat(r.stderr().lines().filter(l -> !l.isBlank()).count()).as(r.toString()).isEqualTo(4);
    }

    @Test
    void selectingTheBrokenPluginListsWhatIsLoaded() {
        Launcher.Result r = Launcher.run("boot", "-c", "config/machines/x86_64.conf", "--plugins", plugins.toString(),
                "-D", "kmemu.machine.arch=throwing");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).contains("kmemu.machine.arch: no loaded plugin provides the architecture \"throwing\""
                + " (expected one of: booke, i386, x86_64)");
    }

    @Test
    void pluginsCommandShowsTheWorkingOnes() {
        Launcher.Result r = Launcher.run("plugins", "--plugins", plugins.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).containsPattern("(?m)^Architecture \\(kmemu.machine.arch\\):\n  booke .*\n  i386 .*\n  x86_64 ")
                .containsPattern("(?m)^PageAllocatorPolicy \\(kmemu.machine.page-allocator\\):\n  buddy ");
    }
}
