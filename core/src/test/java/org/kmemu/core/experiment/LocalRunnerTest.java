package org.kmemu.core.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalRunnerTest {
    private static final long MB = 1L << 20;

    @Test
    void thePoolIsSizedByProcessorsHeapJobsAndRuns() {
        assertThat(LocalRunner.threads(10, 0, 4, 1000 * MB, 100 * MB)).isEqualTo(4);
        assertThat(LocalRunner.threads(10, 0, 4, 250 * MB, 100 * MB)).as("the heap holds 2 machines").isEqualTo(2);
        assertThat(LocalRunner.threads(10, 0, 4, 50 * MB, 100 * MB)).as("at least one").isEqualTo(1);
        assertThat(LocalRunner.threads(10, 8, 4, 1000 * MB, 100 * MB)).as("-j over the processors").isEqualTo(8);
        assertThat(LocalRunner.threads(10, 8, 4, 250 * MB, 100 * MB)).as("-j never over the heap").isEqualTo(2);
        assertThat(LocalRunner.threads(3, 0, 4, 1000 * MB, 100 * MB)).as("no more than runs").isEqualTo(3);
        assertThat(LocalRunner.threads(10, 1, 4, 1000 * MB, 100 * MB)).isEqualTo(1);
    }
}
