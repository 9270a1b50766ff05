package org.kmemu.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What one out-of-reactor plugin build under target/it left behind: its jar and its test reports. */
final class PluginBuild {
    private static final Pattern SUITE = Pattern.compile(
            "<testsuite\\b[^>]*?\\btests=\"(\\d+)\"[^>]*?\\berrors=\"(\\d+)\"[^>]*?\\bskipped=\"(\\d+)\"[^>]*?\\bfailures=\"(\\d+)\"");

    final Path project;

    PluginBuild(Path project) {
        this.project = project;
    }

    /** @return the one jar in target/ whose manifest makes it a PF4J plugin */
    Path pluginJar() {
        Path target = project.resolve("target");
        assertThat(target).as("%s was built", project).isDirectory();
        try (var files = Files.list(target)) {
            List<Path> jars = files.filter(p -> p.toString().endsWith(".jar"))
                    .filter(p -> manifest(p).getMainAttributes().getValue("Plugin-Id") != null).toList();
            assertThat(jars).as("PF4J plugin jars in %s", target).hasSize(1);
            return jars.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifest manifest(Path jar) {
        try (JarFile f = new JarFile(jar.toFile())) {
            Manifest m = f.getManifest();
            return m == null ? new Manifest() : m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String attribute(Path jar, String name) {
        Attributes a = manifest(jar).getMainAttributes();
        return a.getValue(name);
    }

    /**
     * @return how many tests surefire ran and passed in this build (skipped ones not counted), after
     *         checking that none failed or erred; 0 when it wrote no report
     */
    int testsRanAndPassed() {
        Path reports = project.resolve("target/surefire-reports");
        if (!Files.isDirectory(reports)) {
            return 0;
        }
        int total = 0;
        try (var files = Files.list(reports)) {
            for (Path xml : files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
                Matcher m = SUITE.matcher(Files.readString(xml));
                assertThat(m.find()).as("a <testsuite> in %s", xml).isTrue();
                assertThat(Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(4)))
                        .as("errors and failures in %s", xml).isZero();
                total += Integer.parseInt(m.group(1)) - Integer.parseInt(m.group(3));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    /** @return whether surefire ran this test class */
    boolean ran(String testClass) {
        return Files.isRegularFile(project.resolve("target/surefire-reports/TEST-" + testClass + ".xml"));
    }
}
