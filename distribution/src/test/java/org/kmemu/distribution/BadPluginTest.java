package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.Architecture;

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
        writeJar(plugins.resolve("too-new.jar"), manifest("too-new", ">=99.0.0"), List.of());
        // A plugin whose extension throws in its constructor.
        writeJar(plugins.resolve("throwing.jar"), manifest("throwing", ">=0.1.0"), compileThrowingArchitecture());
    }

    private static Manifest manifest(String id, String requires) {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Requires", requires);
        a.putValue("Plugin-Class", "org.pf4j.Plugin");
        return m;
    }

    private static List<Path> compileThrowingArchitecture() throws IOException, URISyntaxException {
        Path src = Files.createTempDirectory("throwing-src");
        Path pkg = Files.createDirectories(src.resolve("org/example"));
        Files.writeString(pkg.resolve("ThrowingArch.java"), String.join("\n",
                "package org.example;",
                "@org.pf4j.Extension",
                "public class ThrowingArch implements org.kmemu.api.Architecture {",
                "  public ThrowingArch() { throw new IllegalStateException(\"no licence for this CPU\"); }",
                "  public String id() { return \"throwing\"; }",
                "  public String description() { return \"throws\"; }",
                "  public org.kmemu.api.ArchSpec configure(org.kmemu.api.ConfigView c) { return null; }",
                "}"));
        String cp = Path.of(Architecture.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + java.io.File.pathSeparator
                + Path.of(org.pf4j.ExtensionPoint.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-proc:none", "-cp", cp, "-d", src.toString(), pkg.resolve("ThrowingArch.java").toString());
        assertThat(rc).isZero();
        Path idx = Files.createDirectories(src.resolve("META-INF")).resolve("extensions.idx");
        Files.writeString(idx, "org.example.ThrowingArch\n");
        return List.of(src);
    }

    private static void writeJar(Path jar, Manifest manifest, List<Path> roots) throws IOException {
        try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(fo, manifest)) {
            for (Path root : roots) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        out.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                        out.write(Files.readAllBytes(f));
                        out.closeEntry();
                    }
                }
            }
        }
    }

    @Test
    void eachBrokenJarGetsOneLineAndTheSelectedPluginsStillBoot() {
        Launcher.Result r = Launcher.run("boot", "-c", "config/machines/x86_64.conf", "--plugins", plugins.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Zone ranges:");
        List<String> errors = r.stderr().lines().filter(l -> l.startsWith("kmemu: plugin error: ")).toList();
        assertThat(errors).as(r.toString()).hasSize(4);
        assertThat(errors).anySatisfy(l -> assertThat(l).contains("no-manifest.jar", "no META-INF/MANIFEST.MF"));
        assertThat(errors).anySatisfy(l -> assertThat(l).contains("too-new.jar", "requires kmemu >=99.0.0", "this kmemu is 1.0.0"));
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
        assertThat(r.stdout()).contains("Architecture x86_64:", "PageAllocatorPolicy buddy:");
    }
}
