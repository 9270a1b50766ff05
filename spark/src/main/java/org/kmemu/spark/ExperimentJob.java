package org.kmemu.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.kmemu.core.experiment.Experiment;
import org.kmemu.core.experiment.RunOutput;
import org.kmemu.core.experiment.RunSpec;
import org.kmemu.core.experiment.RunStats;
import org.kmemu.core.experiment.StatsJson;

/**
 * The driver's side of a Spark experiment: its plan as an RDD of one run per partition, each run on an
 * executor ({@link RunTask}), then every run's folder, {@code summary.csv} and {@code report.html} written
 * here, under the same output folder and with the same text as {@code kmemu experiment} writes locally.
 * Executors need no shared output file system; the driver holds every run's files once before writing.
 */
final class ExperimentJob {
    private final JobSpec job;
    private final Experiment experiment;

    /**
     * Loads and checks the experiment on the driver, before any task: a wrong file stops here, naming its line.
     *
     * @param job    the experiment, its plugins and settings
     * @param output the output folder ({@code -o}), or null for the experiment file's
     */
    ExperimentJob(JobSpec job, Path output) {
        this.job = job;
        this.experiment = job.load(Path.of(job.file()), output);
    }

    Experiment experiment() {
        return experiment;
    }

    /**
     * Runs every run of the plan on {@code spark}'s executors and writes the output folder.
     *
     * @param spark the Spark context
     * @return every run's statistics, in plan order
     */
    List<RunStats> run(JavaSparkContext spark) {
        List<RunSpec> plan = experiment.runs();
        spark.setJobDescription("kmemu experiment " + experiment.name() + ": " + plan.size() + " runs");
        // As many slices as runs: ParallelCollectionRDD cuts [i*n/n, (i+1)*n/n), one run per partition and task.
        List<RunResult> results = new ArrayList<>(spark.parallelize(plan, Math.max(1, plan.size())).map(new RunTask(job)).collect());
        results.sort(Comparator.comparingInt(RunResult::index));
        List<RunStats> stats = new ArrayList<>(results.size());
        for (RunResult r : results) {
            RunStats s = parse(r);
            experiment.writeRun(new RunOutput(s, r.files()));
            stats.add(s);
        }
        experiment.finish(stats);
        return stats;
    }

    /** Closes the driver's plugins. */
    void close() {
        experiment.host().close();
    }

    private RunStats parse(RunResult r) {
        try {
            return StatsJson.fromJson(r.statsJson());
        } catch (IOException e) {
            throw new UncheckedIOException("run " + r.index() + " of " + experiment.name() + ": its stats.json does not parse: "
                    + e.getMessage(), e);
        }
    }
}
