package org.kmemu.core.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.config.WorkloadSpec;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/** workload { type = script }: a built-in, reading its file beside the experiment, its calls the events. */
class ScriptWorkloadTest {
    @TempDir
    Path dir;

    @Test
    void aScriptRunsOnTheRunsMachineAndItsKernelCallsAreItsEvents() throws IOException {
        Files.writeString(dir.resolve("s.jsh"), """
                // machine is the run's machine: its CPU count sizes the objects
                long[] p = new long[10];
                for (int i = 0; i < p.length; i++) {
                    p[i] = kernel.kmalloc(i % kernel.cpus(), 1000 * machine.cpus(), Gfp.GFP_KERNEL, "script_site");
                }
                for (long q : p) {
                    kernel.kfree(0, q, "script_site");
                }
                """);
        Path exp = dir.resolve("exp.conf");
        Files.writeString(exp, "workload { type = script, file = s.jsh }\n");
        WorkloadSpec spec = WorkloadSpec.parse(exp.toString());
        Machine m = TestMachines.x86_64(64L << 20);
        WorkloadRun run = Workloads.builtIn().prepare(spec.settings(), RunContext.beside(exp, 1, m.cpus()));
        assertThat(run.plannedEvents()).isEqualTo(-1);
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        long[] advanced = new long[1];
        WorkloadReport report = run.run(new MachineKernelCalls(m, n -> advanced[0] = n));
        assertThat(report.events()).isEqualTo(20);
        assertThat(report.counters()).containsEntry("snippets", 3L);
        assertThat(advanced[0]).as("the host was told of every event").isEqualTo(20);
        KmemMetrics.CallSite site = metrics.snapshot().callSite("script_site");
        assertThat(site.kmallocs()).isEqualTo(10);
        assertThat(site.bytesReq()).isEqualTo(10L * 1000 * m.cpus());
        assertThat(metrics.snapshot().kfrees()).isEqualTo(10);
    }

    @Test
    void aMissingFileIsAConfigErrorAtPrepare() {
        Path exp = dir.resolve("exp.conf");
        var ctx = RunContext.beside(exp, 1, 2);
        assertThatThrownBy(() -> Workloads.builtIn().prepare(WorkloadSpec.parse("type = script").settings(), ctx))
                .isInstanceOf(ConfigException.class).hasMessageContaining("workload.file: no script file given");
        assertThatThrownBy(() -> Workloads.builtIn().prepare(WorkloadSpec.parse("type = script, file = gone.jsh").settings(), ctx))
                .isInstanceOf(ConfigException.class)
                .hasMessage("command line (--workload): workload.file: cannot read the script " + dir.resolve("gone.jsh") + ": no such file");
    }
}
