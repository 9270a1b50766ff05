package org.kmemu.core.experiment;

import java.util.Map;

/**
 * One run of an experiment's plan: which point, which repeat, which seed. A plan is a function of the
 * experiment file alone ({@link Experiment#runs()}), so a run named here is the same run wherever the
 * file is loaded again (a Spark executor loads it and runs the specs it is given).
 *
 * @param index  the run's place in the plan, from 0
 * @param name   its folder name, e.g. {@code "run-007"}
 * @param point  each varied key and its value at this point, in the experiment's key order; a key a
 *               point of an explicit {@code points} list leaves out is absent
 * @param repeat which repeat of the point, from 0
 * @param seed   the workload's seed for this run
 */
public record RunSpec(int index, String name, Map<String, String> point, int repeat, long seed) implements java.io.Serializable {
    /**
     * @param index  the run's place in the plan
     * @param name   its folder name
     * @param point  the varied keys' values (copied, order kept)
     * @param repeat the repeat
     * @param seed   the seed
     */
    public RunSpec {
        point = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(point));
    }
}
