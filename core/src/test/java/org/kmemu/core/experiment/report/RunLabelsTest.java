package org.kmemu.core.experiment.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kmemu.core.experiment.RunStats;

class RunLabelsTest {
    private static RunStats run(int index, Map<String, String> point, int repeat) {
        return new RunStats(index, String.format("run-%03d", index), point, repeat, index, "ok", null, null, null,
                null, List.of(), List.of());
    }

    @Test
    void keysAreShortenedToTheirLastSegmentUnlessTwoEndAlike() {
        List<String> keys = List.of("machine.slab.policy", "workload.size", "machine.size");
        List<String> labels = RunLabels.of(keys, List.of(
                run(0, Map.of("machine.slab.policy", "slub", "workload.size", "64", "machine.size", "1G"), 0)));

        assertThat(labels).containsExactly("policy=slub, workload.size=64, machine.size=1G");
    }

    @Test
    void repeatsAreNumberedAndSharedLabelsToldApart() {
        List<String> keys = List.of("machine.cpus");
        List<String> labels = RunLabels.of(keys, List.of(run(0, Map.of("machine.cpus", "1"), 0),
                run(1, Map.of("machine.cpus", "1"), 1), run(2, Map.of("machine.cpus", "2"), 0),
                run(3, Map.of("machine.cpus", "2"), 0)));

        assertThat(labels).containsExactly("cpus=1 #0", "cpus=1 #1", "cpus=2 #0 (run-002)", "cpus=2 #0 (run-003)");
    }

    @Test
    void nothingVariedNamesTheRunByItsFolder() {
        assertThat(RunLabels.of(List.of(), List.of(run(0, Map.of(), 0), run(1, Map.of(), 0))))
                .containsExactly("run-000", "run-001");
    }
}
