package org.kmemu.bench;

import java.util.ArrayList;

/**
 * The trace buffer kmemu had before the per-CPU binary rings, kept here as the peer of
 * {@link TraceBench}: each event is formatted into its ftrace line at once, under one lock for all
 * CPUs, into an ArrayList that drops its oldest line with {@code remove(0)} once full.
 */
final class FormattedTraceBuffer {
    private final int capacity;
    private final ArrayList<String> lines = new ArrayList<>();
    private long overruns;

    FormattedTraceBuffer(int capacity) {
        this.capacity = capacity;
    }

    synchronized void record(String comm, int pid, int cpu, long nanos, String event, String fields) {
        if (lines.size() == capacity) {
            lines.remove(0);
            overruns++;
        }
        lines.add(String.format("%16s-%-5d [%03d] .... %5d.%06d: %s: %s", comm, pid, cpu, nanos / 1_000_000_000L,
                nanos / 1000 % 1_000_000, event, fields));
    }

    synchronized int size() {
        return lines.size();
    }
}
