package org.kmemu.core.workload;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a trace replay did with each event, and the events it could not place.
 *
 * @param events         events read
 * @param replayed       events replayed, by event name
 * @param skipped        events not replayed, by event name (another kind, or page events in object mode)
 * @param unmatchedFrees frees of a pointer or pfn the trace never allocated (allocated before tracing began)
 * @param lostFrees      allocations at a pointer the trace still had live: the kernel freed it in an
 *                       event the trace lost, so the replay freed kmemu's object first
 * @param failedInTrace  allocations the traced kernel failed (ptr NULL), replayed and given back at once
 * @param failedHere     allocations the traced kernel satisfied and kmemu did not
 * @param liveAtEnd      objects and pages still allocated when the trace ended (they stay allocated)
 * @param cpusFolded     whether the trace used CPUs the machine lacks (event on CPU n ran on n mod cpus)
 */
public record ReplayReport(long events, Map<String, Long> replayed, Map<String, Long> skipped, long unmatchedFrees,
                           long lostFrees, long failedInTrace, long failedHere, long liveAtEnd, boolean cpusFolded) {
    /** Copies the maps, sorted by event name. */
    public ReplayReport {
        replayed = Map.copyOf(new TreeMap<>(replayed));
        skipped = Map.copyOf(new TreeMap<>(skipped));
    }

    /** @return the report as lines of text, one fact each */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("events read: ").append(events).append('\n');
        new TreeMap<>(replayed).forEach((k, v) -> b.append("replayed ").append(k).append(": ").append(v).append('\n'));
        new TreeMap<>(skipped).forEach((k, v) -> b.append("skipped ").append(k).append(": ").append(v).append('\n'));
        b.append("frees of memory allocated before the trace began: ").append(unmatchedFrees).append('\n');
        b.append("frees the trace lost (pointer allocated again while live): ").append(lostFrees).append('\n');
        b.append("allocations that failed in the traced kernel: ").append(failedInTrace).append('\n');
        b.append("allocations that failed here only: ").append(failedHere).append('\n');
        b.append("still allocated at the end: ").append(liveAtEnd).append('\n');
        if (cpusFolded) {
            b.append("the trace's CPUs were folded onto this machine's (CPU n ran on n mod cpus)\n");
        }
        return b.toString();
    }
}
