package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the plugin jars in a job jar (extracted) or in a class folder (used as it is). */
class BundledPluginsTest {
    @TempDir
    Path dir;

    @Test
    void aJobJarsPluginJarsAreExtractedFlatAndNothingElse() throws IOException {
        Path job = jar(dir.resolve("job.jar"), "org/kmemu/spark/X.class", "kmemu-plugins/a.jar", "kmemu-plugins/b.jar",
                "kmemu-plugins/nested/c.jar", "kmemu-plugins/readme.txt", "other/d.jar");

        Path plugins = BundledPlugins.locate(job);

        assertThat(BundledPlugins.names(plugins)).containsExactly("a.jar", "b.jar");
        assertThat(Files.readString(plugins.resolve("b.jar"))).isEqualTo("kmemu-plugins/b.jar");
    }

    @Test
    void aJobJarWithoutPluginsIsRefusedNamingIt() throws IOException {
        Path job = jar(dir.resolve("job.jar"), "org/kmemu/spark/X.class");

        assertThatThrownBy(() -> BundledPlugins.locate(job))
                .hasMessage(job + ": no plugin jars under kmemu-plugins/ (expected: a job jar built by the kmemu-spark module,"
                        + " which bundles the shipped plugins)");
    }

    @Test
    void aClassFoldersPluginsAreUsedWhereTheyAre() throws IOException {
        Files.createDirectories(dir.resolve("kmemu-plugins"));
        Files.writeString(dir.resolve("kmemu-plugins/a.jar"), "a");

        assertThat(BundledPlugins.locate(dir)).isEqualTo(dir.resolve("kmemu-plugins"));
    }

    @Test
    void thisModulesClassesHoldTheShippedPlugins() throws IOException {
        assertThat(BundledPlugins.names(BundledPlugins.directory())).containsExactly("kmemu-alloc-buddy.jar",
                "kmemu-alloc-slab.jar", "kmemu-alloc-slob.jar", "kmemu-alloc-slub.jar", "kmemu-arch-booke.jar",
                "kmemu-arch-i386.jar", "kmemu-arch-x86_64.jar", "kmemu-devices.jar");
    }

    /** A jar whose entries hold their own names. */
    private static Path jar(Path jar, String... entries) throws IOException {
        try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(fo)) {
            for (String e : entries) {
                out.putNextEntry(new JarEntry(e));
                out.write(e.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }
}
