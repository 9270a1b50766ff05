package org.kmemu.api;

import java.util.Map;

/**
 * What a {@link WorkloadRun} did: how many events it issued and its own counters (e.g. the events of
 * a trace it could not place: frees of pointers the trace never allocated, events of a kind it does
 * not replay). The experiment's {@code stats.json} holds them under {@code workload}.
 *
 * @param events   events issued (each call, or each trace line acted on)
 * @param counters the workload's own counts by name, e.g. {@code "unmatched_frees"}; copied
 * @since 1.2
 */
public record WorkloadReport(long events, Map<String, Long> counters) {

    /**
     * @param events   events issued
     * @param counters counts by name
     */
    public WorkloadReport {
        if (events < 0) {
            throw new IllegalArgumentException("events " + events + " < 0");
        }
        counters = Map.copyOf(counters);
    }
}
