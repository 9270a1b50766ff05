package org.kmemu.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.Function;
import org.kmemu.api.ConfigException;
import org.kmemu.core.experiment.Experiment;
import org.kmemu.core.experiment.RunOutput;
import org.kmemu.core.experiment.RunSpec;
import org.kmemu.core.experiment.StatsJson;

/**
 * One Spark task: on the executor, load the driver's experiment again, check that it plans the same run,
 * run it on the task's thread (which owns every CPU of the run's machine until it returns) and send back
 * what the run would have written. The executor writes nothing: the driver writes every run's folder.
 *
 * <p>Each task loads the experiment and its plugins afresh and closes them when the run is done, so no
 * plugin class loader outlives its run and tasks of one executor share nothing.
 */
final class RunTask implements Function<RunSpec, RunResult> {
    private static final long serialVersionUID = 1L;

    private final JobSpec job;

    RunTask(JobSpec job) {
        this.job = job;
    }

    @Override
    public RunResult call(RunSpec spec) {
        Experiment experiment = job.load(experimentFile(), null);
        try {
            List<RunSpec> plan = experiment.runs();
            if (spec.index() >= plan.size() || !plan.get(spec.index()).equals(spec)) {
                throw new ConfigException(experiment.file() + ": on this executor the plan has "
                        + (spec.index() < plan.size() ? plan.get(spec.index()) : "no run " + spec.index())
                        + " (expected: " + spec + ", the driver's): the experiment's inputs differ between driver and executor");
            }
            RunOutput out = experiment.run(spec);
            return new RunResult(spec.index(), StatsJson.toJson(out.stats()), out.files());
        } finally {
            experiment.host().close();
        }
    }

    /**
     * @return the experiment file on this executor: the driver's path, or else a file of the same name
     *         shipped with {@code --files}
     */
    private Path experimentFile() {
        Path path = Path.of(job.file());
        if (Files.isReadable(path)) {
            return path;
        }
        Path shipped = Path.of(SparkFiles.get(path.getFileName().toString()));
        if (Files.isReadable(shipped)) {
            return shipped;
        }
        throw new ConfigException("no experiment file " + path + " on this executor, nor " + shipped
                + " (expected: the driver's experiment file at the same path on every executor, or shipped with"
                + " spark-submit --files)");
    }
}
