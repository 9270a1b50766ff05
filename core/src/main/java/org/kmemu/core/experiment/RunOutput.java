package org.kmemu.core.experiment;

import java.util.Map;

/**
 * What one run produced, before anything is written: its statistics and the text of every file of its
 * folder. {@link Experiment#writeRun} writes it; a Spark executor sends it back to the driver instead.
 *
 * @param stats the run's statistics (also in {@code files} as {@code stats.json})
 * @param files each file's name relative to the run's folder ({@code machine.conf}, {@code stats.json},
 *              {@code proc/buddyinfo}, {@code debugfs/extfrag/extfrag_index}, ...) and its text, in a fixed order
 */
public record RunOutput(RunStats stats, Map<String, String> files) implements java.io.Serializable {
    /**
     * @param stats the statistics
     * @param files the files (copied, order kept)
     */
    public RunOutput {
        files = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(files));
    }
}
