package org.kmemu.bench;

import com.typesafe.config.ConfigFactory;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.SyntheticWorkload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The {@code synthetic} workload's throughput with the metric probe attached: 100,000 kmalloc/kfree
 * calls per invocation, log-normal sizes (median e^5.5 = 245 bytes, at most 8 KiB) over 16 call sites,
 * round-robin over the 2 CPUs of a 1 GiB x86_64 machine under each object-allocator policy, either a
 * steady state of 1,000 live objects or exponential lifetimes (mean 2,000 events). One op is one
 * event (ns per event: 200 ns is 5 M events/s). Each invocation is a new run with the same seed, which
 * leaves its live objects allocated (about 1,000), as an experiment's run does. Peer:
 * {@link ReplayBench}, the same calls from a real trace.
 *
 * <p>Measured 2026-12-02 under slub on the loaded 2-core build machine, as thread CPU time (the minimum
 * over 120 runs of 100,000 events): 122 ns per event in steady state (8.2 M events/s), 164 ns with
 * exponential lifetimes (6.1 M events/s: the death heap and a log per allocation).
 *
 * <p>{@code touch = true} (each object's requested bytes written through the allocating CPU's MMU, half
 * the events being allocations): measured 2026-12-02, JMH average time, 1 fork, 10 x 1 s, load ~3.7 on the
 * 2-core machine, slub, live: 153 &plusmn; 15 ns per event untouched, 212 &plusmn; 31 ns touched (about
 * 60 ns more: one or two TLB lookups and a ~350-byte fill per allocation).
 */
@State(Scope.Thread)
public class SyntheticBench extends BenchBase {
    private static final int EVENTS = 100_000;

    /** The object-allocator policy. */
    @Param({"slub", "slab"})
    public String policy;

    /** How objects die: a steady state of live objects, or drawn lifetimes. */
    @Param({"live", "lifetime"})
    public String mode;

    /** Whether each object is written once allocated ({@code touch = true}): the TLB and memory cost. */
    @Param({"false", "true"})
    public boolean touch;

    private WorkloadRun run;
    private MachineKernelCalls kernel;

    /** Boots the machine with the metric probe, prepares the run. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot("x86_64", policy);
        m.kernel().tracepoints().attach(new KmemMetrics(m.cpus()));
        kernel = new MachineKernelCalls(m, total -> { });
        String deaths = mode.equals("live") ? "live = 1000" : "lifetime { distribution = exponential, mean = 2000 }";
        String text = "workload { type = synthetic, events = " + EVENTS + ", " + deaths
                + ", size { distribution = log-normal, mu = 5.5, sigma = 1, max = 8192 }, call-sites = 16, touch = " + touch + " }";
        run = new SyntheticWorkload().prepare(new TypesafeConfigView(ConfigFactory.parseString(text).resolve(), "workload"),
                new RunContext(1, m.cpus(), java.nio.file.Path.of(".")));
    }

    /** @return the run's report, so the JIT keeps the work */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public WorkloadReport synthetic() {
        return run.run(kernel);
    }
}
