package org.kmemu.core.workload.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.Gfp;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.TlbStats;
import org.kmemu.core.testing.ExperimentFiles;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Touch;
import org.kmemu.core.workload.Workloads;

/** {@code touch = true} of the synthetic and trace workloads: the allocating CPU writes what it got. */
class TouchTest {
    @TempDir
    Path dir;

    private WorkloadRun prepare(String settings, long seed) {
        return Workloads.builtIn().prepare(ExperimentFiles.workload(dir.resolve("exp.conf"), "workload {\n" + settings + "\n}\n"),
                new RunContext(seed, 2, dir));
    }

    /** TLB hits, misses, walks per CPU, after minus before. */
    private static long[] tlb(Machine m, Runnable work) {
        long[] before = counts(m);
        work.run();
        long[] after = counts(m);
        for (int i = 0; i < after.length; i++) {
            after[i] -= before[i];
        }
        return after;
    }

    private static long[] counts(Machine m) {
        long[] out = new long[3 * m.cpus()];
        for (int c = 0; c < m.cpus(); c++) {
            TlbStats s = m.mmu().cpu(c).tlbStats();
            out[3 * c] = s.hits();
            out[3 * c + 1] = s.misses();
            out[3 * c + 2] = s.walks();
        }
        return out;
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    private static final String STREAM = "type = synthetic\nevents = 4000\nlive = 200\n"
            + "size { distribution = uniform, min = 16, max = 2048 }\ncall-sites = 4\ncpu = random\n";

    @Test
    void withoutTouchNoWorkloadAccessesTheTlb() {
        Machine m = TestMachines.x86_64(128L << 20);
        long[] d = tlb(m, () -> prepare(STREAM, 3).run(new MachineKernelCalls(m, t -> { })));
        assertThat(sum(d)).isZero();
    }

    @Test
    void touchWritesEveryObjectsRequestedBytesThroughTheAllocatingCpu() {
        Machine m = TestMachines.x86_64(128L << 20);
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        long[] d = tlb(m, () -> prepare(STREAM + "touch = true", 3).run(new MachineKernelCalls(m, t -> { })));
        long requested = metrics.snapshot().total().bytesReq();
        // One translation per page an object spans: at least one access per allocation, at most
        // bytes / 4096 + 2 each; both CPUs allocated (cpu = random).
        long allocs = metrics.snapshot().total().hits();
        long accesses = sum(d) - d[2] - d[5];
        assertThat(accesses).isBetween(allocs, allocs * 2 + requested / 4096);
        assertThat(d[0] + d[1]).as("CPU 0").isPositive();
        assertThat(d[3] + d[4]).as("CPU 1").isPositive();
    }

    @Test
    void theSameSeedGivesTheSameTlbCountsOnFreshMachines() {
        List<long[]> runs = new ArrayList<>();
        for (long seed : new long[] {9, 9}) {
            Machine m = TestMachines.i386(256L << 20);
            runs.add(tlb(m, () -> prepare(STREAM + "touch = true\napi = pages\nsize { distribution = uniform, min = 1, max = 20000 }",
                    seed).run(new MachineKernelCalls(m, t -> { }))));
        }
        assertThat(sum(runs.get(0))).isPositive();
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
    }

    @Test
    void touchingABlockWritesEachLowmemPageAndMapsEachHighmemPage() {
        Machine m = TestMachines.i386(1L << 30); // past 896 MiB: highmem
        MachineKernelCalls k = new MachineKernelCalls(m, t -> { });
        long low = k.allocPages(0, Gfp.GFP_KERNEL, 2);
        long va = k.pageAddress(low);
        k.memset(0, va, 0x5a, 4 << 12);
        assertThat(Touch.pages(k, 0, low, 2)).isEqualTo(4);
        for (int p = 0; p < 4; p++) {
            assertThat(k.readLong(0, va + ((long) p << 12) + 4088)).as("page " + p).isZero();
        }
        long high = k.allocPages(1, Gfp.GFP_HIGHUSER, 1);
        assertThat(k.pageAddress(high)).as("highmem has no permanent address").isZero();
        for (int p = 0; p < 2; p++) {
            long mapped = k.kmapLocal(1, high + p);
            k.memset(1, mapped, 0x5a, 4096);
            k.kunmapLocal(1, mapped);
        }
        long[] d = tlb(m, () -> assertThat(Touch.pages(k, 1, high, 1)).isEqualTo(2));
        assertThat(d[3] + d[4]).as("CPU 1 wrote both pages through its kmap_local slot").isPositive();
        assertThat(m.kernel().highmem().kmapLocalDepth(m.mmu().cpu(1))).as("every slot given back").isZero();
        for (int p = 0; p < 2; p++) {
            long mapped = k.kmapLocal(1, high + p);
            assertThat(k.readLong(1, mapped + 4088)).as("high page " + p).isZero();
            k.kunmapLocal(1, mapped);
        }
    }

    @Test
    void theTraceWorkloadTouchesToo() throws Exception {
        Path trace = dir.resolve("t.log");
        Files.writeString(trace, String.join("\n",
                "# tracer: nop",
                "            init-1     [000] ....     0.170000: kmalloc: call_site=c104de4f ptr=c143de20 bytes_req=3000 bytes_alloc=4096 gfp_flags=GFP_KERNEL",
                "            init-1     [001] ....     0.180000: kmalloc: call_site=c104de4f ptr=c143e000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL",
                ""));
        Machine off = TestMachines.x86_64(128L << 20);
        long[] dOff = tlb(off, () -> prepare("type = trace\nfile = \"t.log\"", 1).run(new MachineKernelCalls(off, t -> { })));
        Machine on = TestMachines.x86_64(128L << 20);
        long[] dOn = tlb(on, () -> prepare("type = trace\nfile = \"t.log\"\ntouch = true", 1).run(new MachineKernelCalls(on, t -> { })));
        assertThat(sum(dOff)).isZero();
        assertThat(dOn[0] + dOn[1]).as("CPU 0 wrote its object").isPositive();
        assertThat(dOn[3] + dOn[4]).as("CPU 1 wrote its object").isPositive();
    }
}
