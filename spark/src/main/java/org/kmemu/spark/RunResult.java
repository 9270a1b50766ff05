package org.kmemu.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a task sends back to the driver for one run: the run's place in the plan, its statistics as
 * {@code stats.json} text, and every file of its folder (relative name to text, in the run's order). JDK
 * types only, so what crosses the wire is the same text the local runner writes.
 *
 * @param index     the run's index in the plan
 * @param statsJson its statistics, as {@link org.kmemu.core.experiment.StatsJson#toJson} wrote them
 * @param files     its folder's files
 */
public record RunResult(int index, String statsJson, LinkedHashMap<String, String> files) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * @param index     the run's index
     * @param statsJson its statistics
     * @param files     its files (copied, order kept)
     */
    public RunResult(int index, String statsJson, Map<String, String> files) {
        this(index, statsJson, new LinkedHashMap<>(files));
    }
}
