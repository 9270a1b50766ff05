package org.kmemu.core.experiment;

/** One run of an experiment: boot, workload, measures. */
final class ExperimentRun {
    private ExperimentRun() {
    }

    static RunOutput run(Experiment experiment, RunSpec spec) {
        throw new UnsupportedOperationException("Experiment.run: not built yet (waits for the workloads)");
    }
}
