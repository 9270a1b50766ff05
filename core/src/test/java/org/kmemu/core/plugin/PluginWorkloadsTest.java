package org.kmemu.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.ExtensionPoints;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.testing.ExperimentFiles;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/** A plugin's Workload extension is selected by workload.type beside kmemu's built-ins. */
class PluginWorkloadsTest {
    @TempDir
    Path dir;

    /** A third party's workload: {@code n} kmallocs of 32 bytes. */
    public static final class Burst implements Workload {
        /** PF4J's extension factory needs it public. */
        public Burst() {
        }

        @Override
        public String id() {
            return "burst";
        }

        @Override
        public String description() {
            return "n kmallocs of 32 bytes";
        }

        @Override
        public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
            int n = settings.getInt("n");
            return new WorkloadRun() {
                @Override
                public long plannedEvents() {
                    return n;
                }

                @Override
                public WorkloadReport run(KernelCalls kernel) {
                    for (int i = 0; i < n; i++) {
                        kernel.kmalloc(i % kernel.cpus(), 32, Gfp.GFP_KERNEL, "burst+0x0");
                    }
                    kernel.advance(n);
                    return new WorkloadReport(n, Map.of());
                }
            };
        }
    }

    /** A plugin's workload that takes the id of a built-in. */
    public static final class Impostor implements Workload {
        /** PF4J's extension factory needs it public. */
        public Impostor() {
        }

        @Override
        public String id() {
            return "trace";
        }

        @Override
        public String description() {
            return "not kmemu's trace";
        }

        @Override
        public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
            throw new AssertionError("never selected");
        }
    }

    @Test
    void aPluginWorkloadWithABuiltInsIdIsAProblemAndTheBuiltInStays() throws Exception {
        Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
        Path jar = PluginJarsFixture.pluginJar(plugins.resolve("impostor.jar"), "impostor", ">=1.2.0 & <2.0.0", Impostor.class);
        try (PluginHost host = PluginHost.load(List.of(plugins), "1.2.0", ExtensionPoints.all())) {
            assertThat(host.problems()).singleElement().hasToString(jar + ": extension " + Impostor.class.getName()
                    + " (Workload) has the id \"trace\" of kmemu's built-in workload; it is not loaded (expected: another id)");
            assertThat(host.registry().extensions(Workload.class)).filteredOn(e -> e.id().equals("trace")).singleElement()
                    .satisfies(e -> assertThat(e.builtIn()).isTrue());
        }
    }

    private PluginHost load() throws Exception {
        Path plugins = java.nio.file.Files.createDirectories(dir.resolve("plugins"));
        PluginJarsFixture.pluginJar(plugins.resolve("burst.jar"), "burst-plugin", ">=1.2.0 & <2.0.0", Burst.class);
        return PluginHost.load(List.of(plugins), "1.2.0", ExtensionPoints.all());
    }

    @Test
    void aPluginsWorkloadIsSelectedByType() throws Exception {
        try (PluginHost host = load()) {
            assertThat(host.problems()).isEmpty();
            Workloads workloads = Workloads.of(host);
            assertThat(workloads.ids()).contains("burst").containsAll(Workloads.builtIn().ids());
            ConfigView settings = ExperimentFiles.workload(dir.resolve("exp.conf"), "workload {\n  type = burst\n  n = 7\n}\n");
            WorkloadRun run = workloads.prepare(settings, new RunContext(1, 2, dir));
            assertThat(run.plannedEvents()).isEqualTo(7);
            assertThat(host.registry().extensions(Workload.class)).filteredOn(e -> e.id().equals("burst"))
                    .singleElement().satisfies(e -> assertThat(e.plugin()).isEqualTo("burst-plugin"));
        }
    }

    @Test
    void anUnknownTypeIsOneLineAtItsFileAndLineListingTheIds() throws Exception {
        try (PluginHost host = load()) {
            Path exp = dir.resolve("exp.conf");
            ConfigView settings = ExperimentFiles.workload(exp, "# an experiment\nworkload {\n  type = nope\n}\n");
            assertThatThrownBy(() -> Workloads.of(host).prepare(settings, new RunContext(1, 2, dir)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(exp + ":3: workload.type: no workload \"nope\" (expected one of: ")
                    .hasMessageContaining("burst")
                    .hasMessageNotContaining("\n");
        }
    }

    @Test
    void aMissingTypeSaysSo() throws Exception {
        Path exp = dir.resolve("exp.conf");
        ConfigView settings = ExperimentFiles.workload(exp, "workload {\n  n = 3\n}\n");
        assertThatThrownBy(() -> Workloads.builtIn().prepare(settings, new RunContext(1, 2, dir)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workload.type: missing");
    }

    @Test
    void runContextResolvesRelativeNamesBesideTheExperimentFile() {
        RunContext c = RunContext.beside(dir.resolve("exps/a.conf"), 9, 4);
        assertThat(c.resolve("traces/x.log.gz")).isEqualTo(dir.resolve("exps/traces/x.log.gz").toAbsolutePath());
        assertThat(c.resolve("/abs/y")).isEqualTo(Path.of("/abs/y"));
        assertThat(c.seed()).isEqualTo(9);
        assertThat(c.cpus()).isEqualTo(4);
    }
}
