package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.trace.TraceBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a kmem tracepoint costs. {@code ringKmalloc}: one kmalloc event into a CPU's binary ring
 * ({@link TraceBuffer}); {@code formattedKmalloc}: the same event as kmemu recorded it before, formatted
 * at once under one lock into a list that drops its oldest line with {@code remove(0)}
 * ({@link FormattedTraceBuffer}); both buffers hold 64 Ki events and are full, as after a
 * few seconds of a real trace. {@code kmallocKfree}: a SLUB kmalloc+kfree pair on an i386 machine with
 * no probe on the tracepoints ({@code off}: one volatile read each), with the ftrace ring attached
 * ({@code ring}), and with the per-call-site metric probe attached ({@code metrics}, {@link KmemMetrics}). Linux's figure: kernel/trace/ring_buffer_benchmark.c, run when it was added (commit
 * 5092dbc96f3a, 2009, a producer and a reader on 2009 hardware), printed "501 ns per entry" for 10-byte
 * events.
 */
@State(Scope.Thread)
public class TraceBench extends BenchBase {
    private static final int EVENTS = 1 << 16;

    /** Which probe the kmem tracepoints fire into during {@code kmallocKfree}. */
    @Param({"off", "ring", "metrics"})
    public String tracing;

    private TraceBuffer ring;
    private FormattedTraceBuffer formatted;
    private long ptr = 0xc1400000L;
    private Cpu cpu;
    private SlabLayer slab;

    /** Fills both buffers, boots the machine. */
    @Setup
    public void setUp() {
        ring = new TraceBuffer(EVENTS, 1);
        ring.setEnabled(true);
        formatted = new FormattedTraceBuffer(EVENTS);
        for (int i = 0; i < EVENTS; i++) {
            ringKmalloc();
            formattedKmalloc();
        }
        Machine m = MmuBench.boot("i386", "slub");
        cpu = m.mmu().cpu(0);
        slab = m.kernel().slab();
        m.kernel().trace().setEnabled(tracing.equals("ring"));
        if (tracing.equals("metrics")) {
            m.kernel().tracepoints().attach(new KmemMetrics(m.cpus()));
        }
    }

    /** @return the pointer recorded */
    @Benchmark
    public long ringKmalloc() {
        ptr += 32;
        ring.kmalloc(0, 170_000_000L, "init", 1, "c104de4f", ptr, 29, 32, Gfp.GFP_KERNEL);
        return ptr;
    }

    /** @return the pointer recorded */
    @Benchmark
    public long formattedKmalloc() {
        ptr += 32;
        formatted.record("init", 1, 0, 170_000_000L, "kmalloc", String.format(
                "call_site=%s ptr=%s bytes_req=%d bytes_alloc=%d gfp_flags=%s", "c104de4f", Long.toHexString(ptr), 29, 32,
                Gfp.format(Gfp.GFP_KERNEL)));
        return ptr;
    }

    /** @return the object */
    @Benchmark
    public long kmallocKfree() {
        long p = slab.kmalloc(cpu, 64, Gfp.GFP_KERNEL, "c104de4f");
        slab.kfree(cpu, p, "c104e161");
        return p;
    }
}
