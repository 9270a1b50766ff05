package org.kmemu.spark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.kmemu.api.ConfigException;
import org.kmemu.core.experiment.RunStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spark-submit --class org.kmemu.spark.SparkExperiment kmemu-spark-job.jar EXPERIMENT.conf [-o DIR]
 * [--plugins DIR] [-D KEY=VALUE]}: an experiment's runs as Spark tasks, one run per task, its output folder
 * written by the driver as {@code kmemu experiment} writes it.
 *
 * <p>The experiment is loaded and checked on the driver before Spark starts; a wrong file is one line on
 * stderr and exit code 1, as with the launcher. Without {@code spark.master} (run with {@code java} rather
 * than spark-submit) Spark runs in this JVM, {@code local[*]}.
 */
@Command(name = "SparkExperiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs a kmemu experiment's runs as Spark tasks and writes its output folder on the driver.")
public final class SparkExperiment implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXPERIMENT.conf", description = "The experiment file (HOCON).")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "The output folder (default: the experiment's).")
    Path output;

    @Option(names = "--plugins", paramLabel = "DIR",
            description = "A directory of plugin jars, at the same path on every executor (repeatable; default: the plugins in the job jar).")
    List<Path> plugins = new ArrayList<>();

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "Override a machine key for every run, e.g. -D kmemu.cpus=4 (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    private final SparkConf base;
    private PrintWriter out;

    private SparkExperiment(SparkConf base) {
        this.base = base;
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        int code = run(args, new SparkConf(), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line without exiting, for tests.
     *
     * @param args the command line
     * @param conf Spark's settings (spark-submit's, as system properties, in {@code new SparkConf()})
     * @param out  standard output
     * @param err  standard error
     * @return the exit code: 0, 1 for a wrong experiment, 2 for a wrong command line
     */
    static int run(String[] args, SparkConf conf, PrintWriter out, PrintWriter err) {
        SparkExperiment command = new SparkExperiment(conf);
        command.out = out;
        CommandLine cl = new CommandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof ConfigException) {
                line.getErr().println("kmemu: " + ex.getMessage());
                line.getErr().flush();
                return 1;
            }
            throw ex;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        ExperimentJob job = new ExperimentJob(JobSpec.of(file, plugins, overrides), output);
        try {
            SparkConf conf = base.clone()
                    .setIfMissing("spark.master", "local[*]")
                    .setIfMissing("spark.app.name", "kmemu experiment " + job.experiment().name());
            try (JavaSparkContext spark = new JavaSparkContext(conf)) {
                List<RunStats> stats = job.run(spark);
                long failed = stats.stream().filter(s -> !"ok".equals(s.status())).count();
                out.println("kmemu: experiment " + job.experiment().name() + ": " + stats.size() + " runs on "
                        + spark.master() + (failed > 0 ? ", " + failed + " failed" : "") + ", written to "
                        + job.experiment().outputDirectory());
            }
            return 0;
        } finally {
            job.close();
        }
    }
}
