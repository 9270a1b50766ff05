package org.kmemu.core.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.core.experiment.Experiment;
import org.kmemu.core.experiment.LocalRunner;
import org.kmemu.core.experiment.Progress;
import org.kmemu.core.experiment.RunStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kmemu experiment FILE}: runs an experiment file's runs on this machine, in parallel, and writes
 * its output folder (each run's folder, {@code summary.csv}, {@code report.html}); see {@link Experiment}
 * for the file. {@code -D} sets keys of the base machine (a varied key wins over it), {@code --plugins}
 * the plugin directories. Exit code 0 when every run succeeded, 1 when one failed or the file is wrong.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Run an experiment file: a workload on machines that vary by config, each run measured.",
            "Writes the output folder: one folder per run (machine.conf, stats.json, proc/, debugfs/), summary.csv and"
                + " report.html. -D sets keys of the base machine. See docs/experiments.md."})
final class ExperimentCommand extends Main.MachineCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The experiment file (HOCON).")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "The output folder (default: the file's output, or experiments-out/NAME).")
    Path output;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Runs at once (default: as many as processors and heap allow).")
    int jobs;

    @Option(names = {"-q", "--quiet"}, description = "Print only errors.")
    boolean quiet;

    @Override
    int run(Main.Options opts, CommandLine cl) {
        PrintWriter err = cl.getErr();
        if (opts.config != null) {
            err.println("kmemu: experiment: -c " + opts.config + ": an experiment names its machine (machine = ... in the file);"
                    + " use -D KEY=VALUE to change the base machine's keys");
            return 2;
        }
        if (jobs < 0) {
            err.println("kmemu: experiment: -j " + jobs + " (expected: 1 or more)");
            return 2;
        }
        Experiment e = Experiment.load(file, opts.plugins, opts.overrides, output);
        Progress progress = quiet || !onTerminal() ? Progress.quiet(err) : Progress.terminal(err);
        LocalRunner.Result result = LocalRunner.run(e, jobs, progress);
        if (!quiet) {
            PrintWriter out = cl.getOut();
            out.println("kmemu: experiment " + e.name() + ": " + result.stats().size() + " runs on " + result.threads()
                    + " threads, written to " + e.outputDirectory());
            table(out, e.variedKeys(), result.stats());
        }
        if (result.failed() > 0) {
            err.println("kmemu: experiment: " + result.failed() + " of " + result.stats().size() + " runs failed (see "
                    + e.outputDirectory().resolve("summary.csv") + ")");
            return 1;
        }
        return 0;
    }

    /**
     * Whether the user watches a terminal. {@code System.console()} answers it up to Java 21; from Java 22 it
     * returns a console even when the streams are redirected, and {@code Console.isTerminal()} (22+, called
     * by reflection: kmemu is built for 17) tells.
     */
    static boolean onTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (NoSuchMethodException e) {
            return true; // before Java 22 a console is a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** The end's short table: each run's point, status and the measures one looks at first. */
    static void table(PrintWriter out, List<String> keys, List<RunStats> runs) {
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("run"));
        keys.forEach(k -> header.add(k.substring(k.lastIndexOf('.') + 1)));
        header.addAll(List.of("status", "peak_pages", "int_frag", "slab_pages", "failures", "events/s"));
        rows.add(header.toArray(String[]::new));
        for (RunStats s : runs) {
            List<String> row = new ArrayList<>(List.of(s.name()));
            keys.forEach(k -> row.add(shorten(s.point().getOrDefault(k, ""))));
            row.add(s.status());
            if (s.totals() != null) {
                RunStats.Totals t = s.totals();
                row.addAll(List.of(Long.toString(t.peakFootprintPages()), String.format("%.3f", t.internalFragmentation()),
                        Long.toString(t.slabPages()), Long.toString(t.allocFailures() + t.pageAllocFailures()),
                        String.format("%.0f", t.eventsPerSecond())));
            } else {
                row.addAll(List.of("", "", "", "", ""));
            }
            rows.add(row.toArray(String[]::new));
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? "" : "  ").append(String.format("%-" + width[i] + "s", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** A machine file's path is long: its file name says which. */
    private static String shorten(String v) {
        int slash = v.lastIndexOf('/');
        return slash >= 0 && v.endsWith(".conf") || slash >= 0 && v.endsWith(".gz") ? v.substring(slash + 1) : v;
    }
}
