package org.kmemu.core.workload.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.ExperimentFiles;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.trace.KmemProbe;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/** The synthetic workload on a booted test machine, and its settings' errors. */
class SyntheticWorkloadTest {
    @TempDir
    Path dir;

    private Path exp() {
        return dir.resolve("exp.conf");
    }

    private WorkloadRun prepare(String settings, long seed) {
        return Workloads.builtIn().prepare(ExperimentFiles.workload(exp(), "workload {\n  type = synthetic\n" + settings + "\n}\n"),
                new RunContext(seed, 2, dir));
    }

    /** Every kmalloc and kfree the machine saw: (site, bytes) of allocations, count of frees. */
    private static final class Calls implements KmemProbe {
        final List<String> sites = new ArrayList<>();
        final List<Long> sizes = new ArrayList<>();
        final List<Integer> cpus = new ArrayList<>();
        long frees;
        long pagesLive;

        @Override
        public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq, long bytesAlloc, int gfp) {
            sites.add(callSite);
            sizes.add(bytesReq);
            cpus.add(cpu);
        }

        @Override
        public void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
            frees++;
        }
    }

    @Test
    void aLifetimeStreamRunsOnTheMachineAndLeavesWhatIsLiveAllocated() {
        Machine m = TestMachines.x86_64(256L << 20);
        Calls calls = new Calls();
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(calls);
        m.kernel().tracepoints().attach(metrics);
        WorkloadRun run = prepare("events = 20000\nlifetime { distribution = exponential, mean = 500 }\n"
                + "size { distribution = log-normal, mu = 6, sigma = 1, max = 8192 }\ncall-sites = 4", 99);
        assertThat(run.plannedEvents()).isEqualTo(20000);
        List<Long> advances = new ArrayList<>();
        WorkloadReport r = run.run(new MachineKernelCalls(m, advances::add));
        assertThat(r.events()).isEqualTo(20000);
        long allocs = r.counters().get("allocs");
        assertThat(allocs + r.counters().get("frees")).isEqualTo(20000);
        assertThat(calls.sizes).hasSize((int) allocs);
        assertThat(calls.frees).isEqualTo(r.counters().get("frees"));
        assertThat(r.counters().get("live_at_end")).isEqualTo(allocs - calls.frees).isPositive();
        // A steady state of about events-per-tick x mean lifetime: half the ticks allocate, objects live 500 ticks.
        assertThat(r.counters().get("live_at_end")).isBetween(150L, 400L);
        assertThat(r.counters().get("failed_allocs")).isZero();
        assertThat(advances).as("every 4096 events, then the rest").containsExactly(4096L, 8192L, 12288L, 16384L, 20000L);
        assertThat(calls.cpus).containsOnly(0, 1);
        assertThat(calls.cpus.subList(0, 2)).as("round-robin").containsExactly(0, 1);
        // Call sites differ: site 0 holds the lowest quarter of sizes, site 3 the highest.
        double[] mean = new double[4];
        int[] n = new int[4];
        for (int i = 0; i < calls.sites.size(); i++) {
            int s = calls.sites.get(i).charAt("synthetic_site_".length()) - '0';
            mean[s] += calls.sizes.get(i);
            n[s]++;
        }
        for (int s = 0; s < 4; s++) {
            assertThat(n[s]).as("site %d used", s).isGreaterThan(1000);
            mean[s] /= n[s];
        }
        assertThat(mean[0]).isLessThan(mean[1]);
        assertThat(mean[1]).isLessThan(mean[2]);
        assertThat(mean[2]).isLessThan(mean[3]);
        assertThat(metrics.snapshot().callSite("synthetic_site_2+0x0").kmallocs()).isEqualTo(n[2]);
    }

    @Test
    void theSameSeedMakesTheSameCallsAndAnotherSeedOthers() {
        String settings = "events = 3000\nlive = 50\nsize { distribution = uniform, min = 1, max = 3000 }\ncall-sites = 3\ncpu = random";
        List<List<Long>> runs = new ArrayList<>();
        for (long seed : new long[] {5, 5, 6}) {
            Machine m = TestMachines.x86_64(128L << 20);
            Calls calls = new Calls();
            m.kernel().tracepoints().attach(calls);
            prepare(settings, seed).run(new MachineKernelCalls(m, t -> { }));
            List<Long> sig = new ArrayList<>(calls.sizes);
            calls.cpus.forEach(c -> sig.add((long) c));
            runs.add(sig);
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
        assertThat(runs.get(2)).isNotEqualTo(runs.get(0));
    }

    @Test
    void theSteadyStateHoldsLiveObjects() {
        Machine m = TestMachines.x86_64(128L << 20);
        WorkloadReport r = prepare("events = 1000\nlive = 100\nsize { distribution = uniform, min = 8, max = 64 }", 1)
                .run(new MachineKernelCalls(m, t -> { }));
        assertThat(r.counters()).containsEntry("live_at_end", 100L).containsEntry("allocs", 550L).containsEntry("frees", 450L);
    }

    @Test
    void kmemCacheAndPagesApis() {
        Machine m = TestMachines.x86_64(128L << 20);
        long free = m.nrFreePages();
        MachineKernelCalls k = new MachineKernelCalls(m, t -> { });
        WorkloadReport r = prepare("events = 2000\nlive = 10\nsize { distribution = uniform, min = 100, max = 400 }\n"
                + "call-sites = 3\napi = kmem-cache", 2).run(k);
        assertThat(k.caches()).extracting(c -> c.name()).containsExactly("synthetic_site_0", "synthetic_site_1", "synthetic_site_2");
        // Band middles of uniform [100, 400]: quantiles 1/6, 1/2, 5/6.
        assertThat(k.caches()).extracting(c -> c.objectSize()).containsExactly(150, 250, 350);
        long live = k.caches().stream().mapToLong(c -> m.kernel().slab().slabInfo(c).activeObjs()).sum();
        assertThat(live).isEqualTo(r.counters().get("live_at_end")).isEqualTo(10);

        Machine pm = TestMachines.x86_64(128L << 20);
        long pfree = pm.nrFreePages();
        WorkloadReport pr = prepare("events = 101\nlive = 3\nsize { distribution = uniform, min = 16385, max = 32768 }\napi = pages", 3)
                .run(new MachineKernelCalls(pm, t -> { }));
        assertThat(pr.counters().get("live_at_end")).isEqualTo(3);
        assertThat(pfree - pm.nrFreePages()).as("3 blocks of order 3 (get_order(16385..32768))").isEqualTo(24);
        assertThat(free).isPositive();
    }

    @Test
    void getOrderIsTheKernels() {
        assertThat(SyntheticStream.order(1)).isZero();
        assertThat(SyntheticStream.order(4096)).isZero();
        assertThat(SyntheticStream.order(4097)).isEqualTo(1);
        assertThat(SyntheticStream.order(8192)).isEqualTo(1);
        assertThat(SyntheticStream.order(8193)).isEqualTo(2);
        assertThat(SyntheticStream.order(1L << 22)).isEqualTo(10);
    }

    @Test
    void settingsErrorsNameTheirLine() {
        assertThatThrownBy(() -> prepare("events = 10\nlive = 3\nlifetime { distribution = exponential, mean = 4 }\n"
                + "size { distribution = uniform, min = 1, max = 2 }", 1))
                .isInstanceOf(ConfigException.class).hasMessage(exp() + ":4: workload.live: set with lifetime (expected: one of them)");
        assertThatThrownBy(() -> prepare("events = 10\nsize { distribution = uniform, min = 1, max = 2 }", 1))
                .hasMessageStartingWith(exp() + ":3: workload.events: neither lifetime");
        assertThatThrownBy(() -> prepare("events = 10\nlive = 2\nsize { distribution = uniform, min = 1, max = 2 }\ngfp = \"GFP_KERNEL|GFP_BOGUS\"", 1))
                .hasMessage(exp() + ":6: workload.gfp: GFP_BOGUS (expected: a GFP flag name such as GFP_KERNEL or __GFP_ZERO)");
        assertThatThrownBy(() -> prepare("events = 10\nlive = 2\nsize { distribution = uniform, min = 1, max = 2 }\napi = slab", 1))
                .hasMessageContaining("workload.api: \"slab\" (expected one of: kmalloc, kmem-cache, pages)");
        assertThatThrownBy(() -> prepare("events = -1\nlive = 2\nsize { distribution = uniform, min = 1, max = 2 }", 1))
                .hasMessageContaining("workload.events: -1 (expected: 0 or more)");
        assertThatThrownBy(() -> prepare("events = 5\nlive = 2\nsize { distribution = uniform, min = 1, max = 2 }\ncall-sites = 0", 1))
                .hasMessageContaining("workload.call-sites: 0 (expected: 1 or more)");
    }

    @Test
    void malloclabReplaysAsKmallocAndKfree() throws Exception {
        Files.writeString(dir.resolve("t.rep"), "# a tiny trace\n1000\n2\n4\n1\na 0 100\na 7 200\nr 0 300\nf 7\n");
        Machine m = TestMachines.x86_64(128L << 20);
        Calls calls = new Calls();
        m.kernel().tracepoints().attach(calls);
        WorkloadRun run = prepare("malloclab = \"t.rep\"", 1);
        assertThat(run.plannedEvents()).isEqualTo(5);
        WorkloadReport r = run.run(new MachineKernelCalls(m, t -> { }));
        assertThat(r.events()).isEqualTo(5);
        assertThat(calls.sizes).containsExactly(100L, 200L, 300L);
        assertThat(calls.sites).containsExactly("malloclab_malloc+0x0", "malloclab_malloc+0x0", "malloclab_realloc+0x0");
        assertThat(calls.frees).isEqualTo(2);
        assertThat(r.counters()).containsEntry("live_at_end", 1L).containsEntry("operations", 4L);
    }

    @Test
    void malloclabErrorsNameTheTracesLine() throws Exception {
        Path rep = dir.resolve("bad.rep");
        String at = exp() + ":3: workload.malloclab: " + rep + ":";
        Files.writeString(rep, "a 0 10\nx 1 2\n");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep", 1)).isInstanceOf(ConfigException.class)
                .hasMessage(at + "2: \"x 1 2\" (expected: a ID SIZE, f ID or r ID SIZE)");
        Files.writeString(rep, "a 0 10\nf 1\n");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep", 1))
                .hasMessage(at + "2: f 1: id 1 is not allocated (expected: an id an earlier line allocated)");
        Files.writeString(rep, "a 0 10\n\na 0 5\n");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep", 1))
                .hasMessage(at + "3: a 0: id 0 is still allocated (expected: f 0 first)");
        Files.writeString(rep, "a 0 ten\n");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep", 1))
                .hasMessage(at + "1: size \"ten\" (expected: a whole number, 0 or more)");
        Files.writeString(rep, "a 0\n");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep", 1)).hasMessage(at + "1: \"a 0\" (expected: a ID SIZE)");
        Files.writeString(rep, "100\n2\n9\n1\na 0 1\nf 0\n");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep", 1))
                .hasMessage(at + "3: the header gives 9 operations, the file has 2");
        assertThatThrownBy(() -> prepare("malloclab = none.rep", 1)).hasMessageContaining("none.rep: cannot read it");
        assertThatThrownBy(() -> prepare("malloclab = bad.rep\nevents = 4", 1))
                .hasMessageContaining("workload.events: set with malloclab");
    }
}
