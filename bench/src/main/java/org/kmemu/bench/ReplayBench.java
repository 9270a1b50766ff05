package org.kmemu.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.CompiledKmemTrace;
import org.kmemu.core.workload.FtraceReader;
import org.kmemu.core.workload.KmemTraceReplay;
import org.kmemu.core.workload.MachineKernelCalls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Trace replay throughput: the real 2012 i386 SLUB boot trace (11,540 kmem events, read and compiled
 * once) replayed on a 256 MiB i386 machine under each policy, with no probe or with the metric probe
 * attached. One op is one event: the score is ns per event (200 ns is 5 M events/s). Each invocation
 * replays the whole trace and then gives back what it left allocated ({@code releaseAll}, about 6,000
 * objects, included in the time), so every replay starts from the state the first one left. Peer:
 * {@link KmallocBench}'s kmalloc+kfree pair is the allocator's own share of two events. Run from the
 * repository root, or give {@code -Dkmemu.traces=DIR}.
 *
 * <p>The replay goes the {@code trace} workload's way: through {@link MachineKernelCalls}, with an
 * {@code onAdvance} that checks a sampling threshold as an experiment's sampler does, every 4096 events.
 * (The workload's own run makes a fresh replay and keeps what the trace left allocated; here one replay
 * gives it back after each invocation, so that invocations start alike.)
 *
 * <p>Measured 2026-12-02, slub, before and after the replay went through KernelCalls, on the 2-core
 * build machine at load 13-15 (JMH's wall-clock scores were noise there, 400-1600 ns/op for both), so
 * as thread CPU time per event, the minimum over 180 rounds of 20 replays, same harness for both jars:
 * before 67-69 ns (none) and 74-77 ns (metrics); after 66-68 ns and 74-79 ns: no cost from the
 * interface, about 13 M events/s with the metric probe (quiet-machine JMH before: 65 ns and 80 ns).
 */
@State(Scope.Thread)
public class ReplayBench extends BenchBase {
    private static final int EVENTS = 11_540;

    /** The object-allocator policy. */
    @Param({"slub", "slab", "slob"})
    public String policy;

    /** Whether the metric probe is attached. */
    @Param({"none", "metrics"})
    public String probe;

    /** Events between two samples of a host's sampler. */
    private static final long SAMPLE_EVERY = 100_000;

    private CompiledKmemTrace trace;
    private long nextSample = SAMPLE_EVERY;
    /** Samples the stand-in sampler took; read so the JIT keeps the hook. */
    public long samples;
    private KmemTraceReplay replay;

    /** Reads and compiles the trace, boots the machine. */
    @Setup
    public void setUp() {
        Path dir = Path.of(System.getProperty("kmemu.traces", "distribution/src/test/resources/traces"));
        try {
            trace = CompiledKmemTrace.compile(FtraceReader.read(dir.resolve("kmem-i386-slub.log.gz")).events(),
                    KmemTraceReplay.Mode.OBJECTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (trace.length() != EVENTS) {
            throw new IllegalStateException("the SLUB trace has " + trace.length() + " object events (expected: " + EVENTS + ")");
        }
        Machine m = MmuBench.boot("i386", policy, "256M");
        if (probe.equals("metrics")) {
            m.kernel().tracepoints().attach(new KmemMetrics(m.cpus()));
        }
        replay = new KmemTraceReplay(new MachineKernelCalls(m, total -> {
            if (total >= nextSample) {
                nextSample = total + SAMPLE_EVERY;
                samples++;
            }
        }), KmemTraceReplay.Mode.OBJECTS);
    }

    /** @return objects the replay left live, now given back */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long replaySlubBootTrace() {
        replay.replay(trace);
        return replay.releaseAll();
    }
}
