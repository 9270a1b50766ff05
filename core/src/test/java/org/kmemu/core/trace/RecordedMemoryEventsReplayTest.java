package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.Gfp;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.config.WorkloadSpec;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/**
 * A recording holds the vmalloc, tlb_flush and tlb_miss events beside the kmem ones; replaying it with the
 * trace workload skips them (they are not allocations: counted under skipped.NAME, nothing unmatched) and
 * gives the same bytes per call site.
 */
class RecordedMemoryEventsReplayTest {
    @TempDir
    Path dir;

    @Test
    void aRecordingWithTheNewEventsReplaysItsAllocationsAndSkipsTheRest() throws IOException {
        Machine m = TestMachines.x86_64(256L << 20);
        Cpu cpu = m.mmu().cpu(0);
        KmemMetrics original = new KmemMetrics(m.cpus());
        Path file = dir.resolve("mixed.trace");
        try (TraceRecorder r = new TraceRecorder(m.cpus(), dir); Writer w = Files.newBufferedWriter(file)) {
            m.kernel().tracepoints().attach(original);
            m.kernel().tracepoints().attach(r);
            Vmalloc v = m.kernel().vmalloc();
            for (int i = 0; i < 20; i++) {
                long p = m.kernel().slab().kmalloc(cpu, 10 + i * 30, Gfp.GFP_KERNEL, "site_" + i % 3);
                cpu.store32(p, i); // a kernel access: its TLB miss is recorded too
                long area = v.vmalloc(cpu, 4096 * (1 + i % 4), "vm");
                v.vfree(cpu, area);
                if (i % 2 == 0) {
                    m.kernel().slab().kfree(cpu, p, "free_site");
                }
            }
            v.purgeVmapAreaLazy(cpu);
            m.kernel().tracepoints().detach(r);
            m.kernel().tracepoints().detach(original);
            r.finish(w);
        }
        String text = Files.readString(file);
        assertThat(text).contains(": alloc_vmap_area: va_start: ", ": free_vmap_area_noflush: va_start=0x",
                ": purge_vmap_area_lazy: start=0x", ": tlb_flush: pages:", ": tlb_miss: address=0x", ": kmalloc: ");

        Machine fresh = TestMachines.x86_64(256L << 20);
        KmemMetrics replayed = new KmemMetrics(fresh.cpus());
        fresh.kernel().tracepoints().attach(replayed);
        WorkloadRun replay = Workloads.builtIn().prepare(WorkloadSpec.parse("type = trace, file = mixed.trace").settings(),
                new RunContext(1, fresh.cpus(), dir));
        WorkloadReport report = replay.run(new MachineKernelCalls(fresh, n -> { }));
        Map<String, Long> c = report.counters();
        assertThat(c.get("skipped.alloc_vmap_area")).isEqualTo(20);
        assertThat(c.get("skipped.free_vmap_area_noflush")).isEqualTo(20);
        assertThat(c.get("skipped.purge_vmap_area_lazy")).isPositive();
        assertThat(c.get("skipped.tlb_flush")).isPositive();
        assertThat(c.get("skipped.tlb_miss")).isPositive();
        assertThat(c.get("replayed.kmalloc")).isEqualTo(20);
        assertThat(c.get("replayed.kfree")).isEqualTo(10);
        assertThat(c.get("unmatched_frees")).isZero();
        assertThat(c.get("failed_here")).isZero();
        assertThat(replayed.snapshot().callSites()).containsExactlyInAnyOrderElementsOf(original.snapshot().callSites());
    }
}
