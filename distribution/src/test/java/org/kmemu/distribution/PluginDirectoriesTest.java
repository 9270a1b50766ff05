package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several plugin directories through ./kmemu, as a third party runs its plugin beside the shipped
 * ones: {@code --plugins DIR} is repeatable and so is kmemu.plugins.dir (a list), and a Maven
 * {@code target/} directory works without noise from the jars Maven leaves beside the plugin.
 */
class PluginDirectoriesTest {
    @TempDir
    static Path work;

    private static Path architectures;
    private static Path target;

    /** The shipped architecture plugins in one directory; the allocators in a Maven-like target/. */
    @BeforeAll
    static void splitTheShippedPlugins() throws Exception {
        architectures = Files.createDirectories(work.resolve("arch"));
        target = Files.createDirectories(work.resolve("alloc/target"));
        try (Stream<Path> jars = Files.list(Launcher.DIST.resolve("plugins"))) {
            for (Path jar : jars.toList()) {
                String name = jar.getFileName().toString();
                if (name.contains("-arch-")) {
                    Files.copy(jar, architectures.resolve(name));
                } else {
                    Files.copy(jar, target.resolve(name));
                    // What maven-shade and the source/javadoc/test-jar plugins leave beside a plugin jar.
                    Files.copy(jar, target.resolve("original-" + name));
                    String base = name.substring(0, name.length() - ".jar".length());
                    for (String classifier : new String[] {"sources", "javadoc", "tests"}) {
                        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target.resolve(base + "-" + classifier + ".jar")))) {
                            out.putNextEntry(new JarEntry("readme.txt"));
                        }
                    }
                }
            }
        }
        Files.createDirectories(target.resolve("classes/META-INF"));
        Files.createDirectories(target.resolve("maven-archiver"));
        Files.writeString(target.resolve("maven-archiver/pom.properties"), "version=1.0.0\n");
    }

    @Test
    void repeatedPluginsOptionsBootWithPluginsFromEachAndNoNoise() {
        Launcher.Result r = Launcher.run("--plugins", architectures.toString(), "--plugins", target.toString(),
                "boot", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        assertThat(r.stdout()).contains("Zone ranges:");
    }

    @Test
    void pluginsListsEveryDirectorysPluginsAndNoByProduct() {
        Launcher.Result r = Launcher.run("plugins", "--plugins", architectures.toString(), "--plugins", target.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        assertThat(r.stdout()).contains(architectures.resolve("kmemu-arch-x86_64-").toString(), target.resolve("kmemu-alloc-buddy-").toString())
                .doesNotContain("original-", "-sources", "-tests");
    }

    @Test
    void oneDirectoryAloneLacksTheOtherDirectorysPlugins() {
        Launcher.Result r = Launcher.run("--plugins", architectures.toString(), "boot", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).contains("no page-allocator plugin is loaded; check --plugins or kmemu.plugins.dir");
    }

    @Test
    void pluginsDirInAMachineFileMayBeAList() throws Exception {
        Path conf = work.resolve("two-dirs.conf");
        Files.writeString(conf, "include file(\"" + Launcher.ROOT.resolve("config/machines/x86_64.conf") + "\")\n"
                + "kmemu.plugins.dir = [\"" + architectures + "\", \"" + target + "\"]\n");
        Launcher.Result r = Launcher.run("proc", "buddyinfo", "-c", conf.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        assertThat(r.stdout()).contains("zone   Normal");
    }
}
