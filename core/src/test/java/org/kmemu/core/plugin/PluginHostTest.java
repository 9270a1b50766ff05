package org.kmemu.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.core.plugin.PluginJarsFixture.plainJar;
import static org.kmemu.core.plugin.PluginJarsFixture.pluginJar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ExtensionPoints;
import org.kmemu.api.KmemuExtension;
import org.kmemu.api.PageAllocatorPolicy;

/** The plugin host with an injected plugin API version, on plugin jars written by the test. */
class PluginHostTest {
    @TempDir
    Path dir;

    private static final List<Class<? extends KmemuExtension>> WORKLOADS = List.of(TestWorkload.class);

    private static PluginHost load(String systemVersion, Path... dirs) {
        return PluginHost.load(List.of(dirs), systemVersion, WORKLOADS);
    }

    @Test
    void aPluginBuiltAgainstAnOlderMinorLoadsOnANewerHost() throws Exception {
        pluginJar(dir.resolve("old-minor.jar"), "old-minor", ">=1.1.0 & <2.0.0", TestWorkload.Sequential.class);
        try (PluginHost host = load("1.3.0", dir)) {
            assertThat(host.problems()).isEmpty();
            assertThat(host.plugins()).singleElement().satisfies(p -> assertThat(p.state()).isEqualTo("STARTED"));
            assertThat(host.select(TestWorkload.class, "sequential", "test").run()).isEqualTo(42);
        }
    }

    @Test
    void aPluginForTheNextMajorIsRefusedWithOneLineNamingBothVersions() throws Exception {
        Path jar = pluginJar(dir.resolve("next-major.jar"), "next-major", ">=2.0.0 & <3.0.0", TestWorkload.Sequential.class);
        try (PluginHost host = load("1.3.0", dir)) {
            assertThat(host.plugins()).isEmpty();
            assertThat(host.registry().extensions(TestWorkload.class)).isEmpty();
            assertThat(host.problems()).singleElement().hasToString(jar + ": plugin 'next-major' requires kmemu plugin API >=2.0.0 & <3.0.0,"
                    + " but this kmemu provides plugin API 1.3.0 (expected: a plugin built against kmemu-api 1.x, whose Plugin-Requires"
                    + " 1.3.0 satisfies, such as >=1.0.0 & <2.0.0)");
        }
    }

    @Test
    void aPluginForAnOlderMajorIsRefused() throws Exception {
        pluginJar(dir.resolve("zero.jar"), "zero", "<1.0.0", null);
        pluginJar(dir.resolve("zero-range.jar"), "zero-range", ">=0.1.0 & <1.0.0", null);
        try (PluginHost host = load("1.3.0", dir)) {
            assertThat(host.plugins()).isEmpty();
            assertThat(host.problems()).extracting(PluginProblem::reason).containsExactly(
                    "plugin 'zero-range' requires kmemu plugin API >=0.1.0 & <1.0.0, but this kmemu provides plugin API 1.3.0"
                            + " (expected: a plugin built against kmemu-api 1.x, whose Plugin-Requires 1.3.0 satisfies, such as >=1.0.0 & <2.0.0)",
                    "plugin 'zero' requires kmemu plugin API <1.0.0, but this kmemu provides plugin API 1.3.0"
                            + " (expected: a plugin built against kmemu-api 1.x, whose Plugin-Requires 1.3.0 satisfies, such as >=1.0.0 & <2.0.0)");
        }
    }

    @Test
    void aBareVersionMeansAtLeastItAndNoRequiresMeansAny() throws Exception {
        pluginJar(dir.resolve("bare.jar"), "bare", "1.2.0", null);
        pluginJar(dir.resolve("bare-new.jar"), "bare-new", "1.4.0", null);
        pluginJar(dir.resolve("any.jar"), "any", null, null);
        try (PluginHost host = load("1.3.0", dir)) {
            assertThat(host.plugins()).extracting(LoadedPlugin::id).containsExactly("any", "bare");
            assertThat(host.problems()).singleElement().satisfies(p -> assertThat(p.reason()).startsWith(
                    "plugin 'bare-new' requires kmemu plugin API 1.4.0, but this kmemu provides plugin API 1.3.0"));
        }
    }

    @Test
    void aRangeThatIsNotOneIsOneLine() throws Exception {
        pluginJar(dir.resolve("garbled.jar"), "garbled", "one point oh", null);
        try (PluginHost host = load("1.0.0", dir)) {
            assertThat(host.problems()).singleElement().satisfies(p -> assertThat(p.reason())
                    .startsWith("plugin 'garbled': Plugin-Requires 'one point oh' is not a version range: ")
                    .endsWith("(expected: e.g. >=1.0.0 & <2.0.0)")
                    .doesNotContain("\n"));
        }
    }

    @Test
    void aTestOnlyExtensionPointIsLoadedAndSelectedWithNoHostCodeForIt() throws Exception {
        pluginJar(dir.resolve("workloads.jar"), "workloads", ">=1.0.0 & <2.0.0", TestWorkload.Sequential.class);
        try (PluginHost host = load("1.0.0", dir)) {
            assertThat(host.registry().points()).containsExactly(TestWorkload.class);
            assertThat(host.registry().extensions(TestWorkload.class)).singleElement()
                    .satisfies(e -> assertThat(e.id() + " from " + e.plugin()).isEqualTo("sequential from workloads"));
            assertThat(host.plugins()).singleElement().satisfies(p -> assertThat(p.extensions())
                    .containsExactly("TestWorkload sequential: touches pages in order"));
            assertThatThrownBy(() -> host.select(TestWorkload.class, "random", "my.conf: 3"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage("my.conf: 3: kmemu.test.workload: no loaded plugin provides the workload \"random\" (expected one of: sequential)");
        }
    }

    @Test
    void theShippedExtensionPointsKeepTheirSelectionMessages() throws Exception {
        try (PluginHost host = PluginHost.load(List.of(dir), "1.0.0", ExtensionPoints.all())) {
            assertThat(host.registry().points()).containsExactlyElementsOf(ExtensionPoints.all());
            assertThatThrownBy(() -> host.select(Architecture.class, "x86_64", "m.conf: 2"))
                    .hasMessage("m.conf: 2: kmemu.machine.arch: no loaded plugin provides the architecture \"x86_64\" (expected one of: none loaded from "
                            + dir.toAbsolutePath().normalize() + ")");
            assertThatThrownBy(() -> host.select(PageAllocatorPolicy.class, "buddy", "m.conf: 3"))
                    .hasMessageStartingWith("m.conf: 3: kmemu.machine.page-allocator: no loaded plugin provides the page allocator \"buddy\"");
        }
    }

    @Test
    void anInterfaceWithoutExtensionPointInfoIsNotAnExtensionPoint() {
        assertThatThrownBy(() -> PluginHost.load(List.of(dir), "1.0.0", List.of(KmemuExtension.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("org.kmemu.api.KmemuExtension is not an extension point");
    }

    @Test
    void severalDirectoriesAreSearchedInOrderAndTheFirstJarOfAnIdWins() throws Exception {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        pluginJar(second.resolve("a-workloads.jar"), "workloads", ">=1.0.0 & <2.0.0", TestWorkload.Sequential.class);
        pluginJar(first.resolve("z-workloads.jar"), "workloads", ">=1.0.0 & <2.0.0", TestWorkload.Sequential.class);
        pluginJar(second.resolve("other.jar"), "other", ">=1.0.0 & <2.0.0", null);
        try (PluginHost host = load("1.0.0", first, second, first)) {
            assertThat(host.directories()).containsExactly(first.toAbsolutePath().normalize(), second.toAbsolutePath().normalize());
            assertThat(host.plugins()).extracting(LoadedPlugin::id, LoadedPlugin::jar).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("other", second.resolve("other.jar").toAbsolutePath().normalize()),
                    org.assertj.core.groups.Tuple.tuple("workloads", first.resolve("z-workloads.jar").toAbsolutePath().normalize()));
            assertThat(host.problems()).singleElement().satisfies(p -> assertThat(p.toString()).contains("a-workloads.jar",
                    "plugin id 'workloads' is already loaded from", "z-workloads.jar"));
        }
    }

    @Test
    void mavenByProductsInATargetDirectoryAreSkippedWithoutAWord() throws Exception {
        pluginJar(dir.resolve("riscv-1.0.0.jar"), "riscv", ">=1.0.0 & <2.0.0", null);
        pluginJar(dir.resolve("original-riscv-1.0.0.jar"), "riscv", ">=1.0.0 & <2.0.0", null);
        plainJar(dir.resolve("riscv-1.0.0-sources.jar"));
        plainJar(dir.resolve("riscv-1.0.0-javadoc.jar"));
        plainJar(dir.resolve("riscv-1.0.0-tests.jar"));
        plainJar(dir.resolve("riscv-1.0.0-test-sources.jar"));
        Files.createDirectories(dir.resolve("classes.jar")); // a directory, whatever its name
        Files.createDirectories(dir.resolve("classes"));
        Files.writeString(dir.resolve("riscv.conf"), "kmemu {}");
        plainJar(dir.resolve("library.jar"));
        try (PluginHost host = load("1.0.0", dir)) {
            assertThat(host.plugins()).extracting(LoadedPlugin::id).containsExactly("riscv");
            // Any other jar is meant as a plugin, so one that is not is reported.
            assertThat(host.problems()).singleElement().satisfies(p -> assertThat(p.toString()).contains("library.jar",
                    "not a plugin: the jar has no META-INF/MANIFEST.MF"));
        }
    }

    @Test
    void theByProductRuleIsByName() {
        assertThat(PluginJars.isBuildByProduct("original-kmemu-riscv-1.0.0.jar")).isTrue();
        assertThat(PluginJars.isBuildByProduct("kmemu-riscv-1.0.0-SOURCES.jar")).isTrue();
        assertThat(PluginJars.isBuildByProduct("kmemu-riscv-1.0.0.jar")).isFalse();
        assertThat(PluginJars.isBuildByProduct("kmemu-tests-plugin.jar")).isFalse();
    }

    @Test
    void aMissingDirectoryIsAConfigError() {
        assertThatThrownBy(() -> load("1.0.0", dir, dir.resolve("none")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("kmemu.plugins.dir: " + dir.resolve("none") + " is not a directory (expected: the directory holding plugin jars)");
    }
}
