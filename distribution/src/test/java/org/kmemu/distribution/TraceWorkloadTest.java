package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.Kmemu;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.plugin.PluginHost;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.FtraceEvent;
import org.kmemu.core.workload.FtraceReader;
import org.kmemu.core.workload.KmemTraceReplay;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/**
 * The {@code trace} workload, as an experiment runs it (plugins loaded once from the distribution's
 * plugins/, {@code Workloads.of(host)}, the trace named relative to the experiment file), on the real
 * 2012 SLUB boot trace on the shipped i386 machine under kmemu's slub: per call site the same calls,
 * bytes_req and bytes_alloc as the direct replay of {@link KmemTraceReplayTest}, and for every
 * kmalloc-only call site the sums of the real kernel's events.
 */
class TraceWorkloadTest {
    @TempDir
    Path dir;

    private static Machine boot(PluginHost host) {
        return Kmemu.boot(host, ConfigLoader.user(Launcher.ROOT.resolve("config/machines/i386-highmem.conf"),
                Map.of("kmemu.machine.object-allocator", "slub")).resolve(host.referenceConfigs()));
    }

    @Test
    void theSlubTraceThroughTheWorkloadGivesTheReplaysPerCallSiteBytes() throws IOException {
        Path trace = Launcher.ROOT.resolve("traces/kmem-i386-slub.log.gz");
        Path traces = Files.createDirectories(dir.resolve("traces"));
        Files.copy(trace, traces.resolve("slub.log.gz"));
        Path exp = dir.resolve("experiment.conf");
        Files.writeString(exp, "workload {\n  type = trace\n  file = \"traces/slub.log.gz\"\n}\n");
        try (PluginHost host = PluginHost.load(Launcher.DIST.resolve("plugins"))) {
            Workloads workloads = Workloads.of(host);
            WorkloadRun run = workloads.prepare(new TypesafeConfigView(ConfigFactory.parseFile(exp.toFile()).resolve(), "workload"),
                    RunContext.beside(exp, 1, 2));
            Machine m = boot(host);
            KmemMetrics metrics = new KmemMetrics(m.cpus());
            m.kernel().tracepoints().attach(metrics);
            long[] last = new long[1];
            WorkloadReport report = run.run(new MachineKernelCalls(m, total -> last[0] = total));
            assertThat(report.events()).isEqualTo(run.plannedEvents()).isEqualTo(last[0]).isEqualTo(11_540);
            assertThat(report.counters()).containsEntry("failed_here", 0L).containsEntry("events_read", 11_540L);

            Machine direct = boot(host);
            KmemMetrics directMetrics = new KmemMetrics(direct.cpus());
            direct.kernel().tracepoints().attach(directMetrics);
            List<FtraceEvent> events = FtraceReader.read(trace).events();
            new KmemTraceReplay(direct, KmemTraceReplay.Mode.OBJECTS).replay(events);
            assertThat(metrics.snapshot().callSites()).as("per call site, as the direct replay")
                    .containsExactlyInAnyOrderElementsOf(directMetrics.snapshot().callSites());

            Map<String, long[]> real = KmemTraceReplayTest.kmallocOnlyCallSites(events);
            assertThat(real).hasSizeGreaterThan(20);
            for (Map.Entry<String, long[]> e : real.entrySet()) {
                KmemMetrics.CallSite s = metrics.snapshot().callSite(e.getKey());
                assertThat(new long[] {s.kmallocs(), s.bytesReq(), s.bytesAlloc()}).as("call site %s", e.getKey())
                        .containsExactly(e.getValue());
            }
        }
    }
}
