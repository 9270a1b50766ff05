package org.kmemu.bench;

import java.util.concurrent.atomic.AtomicInteger;
import org.kmemu.api.Gfp;
import org.kmemu.core.trace.TraceBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Two threads as two CPUs recording kmalloc events into one {@link TraceBuffer}, each into its own CPU's
 * ring: what the one write they share (the machine-wide sequence number that orders equal time stamps)
 * costs next to {@link TraceBench#ringKmalloc} on one CPU. On the 2-core build machines other builds
 * compete for the cores, so read it as an upper bound.
 */
@State(Scope.Benchmark)
@Threads(2)
public class TraceCpusBench extends BenchBase {
    private TraceBuffer trace;
    private final AtomicInteger nextCpu = new AtomicInteger();

    /** The CPU a benchmark thread plays. */
    @State(Scope.Thread)
    public static class OnCpu {
        int cpu;
        long ptr = 0xc1400000L;

        /** @param b the shared buffer's state, which hands out CPU numbers */
        @Setup
        public void setUp(TraceCpusBench b) {
            cpu = b.nextCpu.getAndIncrement() % 2;
        }
    }

    /** A buffer for two CPUs, recording. */
    @Setup
    public void setUp() {
        trace = new TraceBuffer(1 << 16, 2);
        trace.setEnabled(true);
    }

    /** @param on the thread's CPU @return the pointer recorded */
    @Benchmark
    public long kmallocOnTwoCpus(OnCpu on) {
        on.ptr += 32;
        trace.kmalloc(on.cpu, 170_000_000L, "init", 1, "c104de4f", on.ptr, 29, 32, Gfp.GFP_KERNEL);
        return on.ptr;
    }
}
