package org.kmemu.core.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * The machine's trace ring buffer: tracepoint events recorded as ftrace records them and printed in
 * ftrace's text format (kernel/trace/trace_output.c), the same format kmemu's trace replay reads:
 *
 * <pre>
 * # tracer: nop
 * #           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION
 *             init-1     [000] .N..     0.170000: kmalloc: call_site=c104de4f ptr=c143de20 ...
 * </pre>
 *
 * Recording is off until {@link #setEnabled} turns it on (as {@code events/kmem/enable}), so the
 * allocator fast paths pay one field read when nobody traces. Time stamps come from the machine's
 * emulated clock. Thread-safe; events from several CPUs interleave in the order they were recorded.
 */
public final class TraceBuffer {
    /** The default capacity in events, as a per-CPU buffer of a few MiB would hold. */
    public static final int DEFAULT_CAPACITY = 1 << 20;

    private final int capacity;
    private final int cpus;
    private final ArrayList<String> lines = new ArrayList<>();
    private volatile boolean enabled;
    private long overruns;

    /**
     * @param capacity how many events the ring keeps before the oldest are overwritten
     * @param cpus     the machine's CPU count, for the header's #P
     */
    public TraceBuffer(int capacity, int cpus) {
        this.capacity = capacity;
        this.cpus = cpus;
    }

    /** @return whether events are being recorded */
    public boolean enabled() {
        return enabled;
    }

    /** @param on start or stop recording */
    public void setEnabled(boolean on) {
        this.enabled = on;
    }

    /**
     * Records one event; callers test {@link #enabled()} first so that building the fields costs
     * nothing when tracing is off.
     *
     * @param comm   the task's name
     * @param pid    its pid
     * @param cpu    the CPU
     * @param nanos  emulated time
     * @param event  the tracepoint's name, e.g. "mm_page_alloc"
     * @param fields the event's TP_printk output
     */
    public synchronized void record(String comm, int pid, int cpu, long nanos, String event, String fields) {
        if (lines.size() == capacity) {
            lines.remove(0);
            overruns++;
        }
        lines.add(String.format("%16s-%-5d [%03d] .... %5d.%06d: %s: %s", comm, pid, cpu, nanos / 1_000_000_000L,
                nanos / 1000 % 1_000_000, event, fields));
    }

    /** @return the recorded events, oldest first, each one line */
    public synchronized List<String> events() {
        return List.copyOf(lines);
    }

    /** Empties the buffer (writing to {@code trace}). */
    public synchronized void clear() {
        lines.clear();
    }

    /** @return the buffer as the {@code trace} file prints it, header included */
    public synchronized String render() {
        StringBuilder out = new StringBuilder();
        out.append("# tracer: nop\n#\n");
        out.append(String.format("# entries-in-buffer/entries-written: %d/%d   #P:%d%n", lines.size(), lines.size() + overruns, cpus));
        out.append("#\n");
        out.append("#                              _-----=> irqs-off\n");
        out.append("#                             / _----=> need-resched\n");
        out.append("#                            | / _---=> hardirq/softirq\n");
        out.append("#                            || / _--=> preempt-depth\n");
        out.append("#                            ||| /     delay\n");
        out.append("#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n");
        out.append("#              | |       |   ||||       |         |\n");
        for (String l : lines) {
            out.append(l).append('\n');
        }
        return out.toString();
    }
}
