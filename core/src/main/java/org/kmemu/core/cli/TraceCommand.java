package org.kmemu.core.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.WorkloadSpec;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.trace.TraceRecorder;
import org.kmemu.core.workload.MachineKernelCalls;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kmemu trace}: kmem traces. {@code kmemu trace record} boots, attaches a {@link TraceRecorder}
 * to the memory tracepoints (kmem's and the others, which a replay skips), runs a workload and writes what the allocators did as ftrace's {@code trace}
 * file: a trace that kmemu's {@code trace} workload replays and ftrace's readers read.
 */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "kmem traces in ftrace's text format: kmemu trace record.",
        subcommands = {TraceCommand.Record.class, CommandLine.HelpCommand.class})
final class TraceCommand implements Callable<Integer> {
    @ParentCommand
    Main parent;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** {@code kmemu trace record}: a workload's kmem events, as ftrace prints them. */
    @Command(name = "record", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
        "Boot, run a workload and write the memory events it caused (kmalloc, kfree, kmem_cache_alloc/free, mm_page_alloc/free,"
            + " the vmalloc events, tlb_flush, page_fault_user/kernel, and kmemu's own kmap, kunmap and tlb_miss)"
            + " as ftrace's trace file: its header, then one line per event, in the order they fired.",
        "The file replays with workload { type = trace, file = ... } and reads with the tools that read ftrace's output.",
        "Streams to the file: a recording of any length needs no more heap than the machine."})
    static final class Record implements Callable<Integer> {
        /** Progress lines at most this often on stderr. */
        private static final long PROGRESS_NANOS = 1_000_000_000L;

        @ParentCommand
        TraceCommand trace;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-w", "--workload"}, required = true, paramLabel = "SPEC", description = {
            "A HOCON file with a workload { ... } block, or the block's settings inline,",
            "e.g. 'type = synthetic, events = 10000'."})
        String workload;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where the trace goes (default: standard output).")
        Path output;

        @Option(names = "--seed", paramLabel = "N", description = "The workload's seed (default: ${DEFAULT-VALUE}).")
        long seed = 1;

        @Option(names = {"-q", "--quiet"}, description = "No progress or summary on stderr.")
        boolean quiet;

        @Override
        public Integer call() throws IOException {
            CommandLine cl = spec.commandLine();
            PrintWriter err = cl.getErr();
            WorkloadSpec ws = WorkloadSpec.parse(workload);
            Main.Session session = trace.parent.options.open(cl);
            Workloads workloads = Workloads.of(session.host());
            // Prepared before boot, as an experiment's run is: a bad trace, histogram or script is refused at its
            // file and line without booting (and without the boot's time) first.
            int cpus = MachineConfig.parse(session.config()).cpus();
            RunContext ctx = ws.file() != null ? RunContext.beside(ws.file(), seed, cpus)
                    : new RunContext(seed, cpus, Path.of(""));
            WorkloadRun run = workloads.prepare(ws.settings(), ctx);
            Machine m = session.boot();
            Path spoolDir = output != null && output.toAbsolutePath().getParent() != null
                    ? output.toAbsolutePath().getParent() : Path.of(System.getProperty("java.io.tmpdir"));
            Progress progress = new Progress(err, run.plannedEvents(), quiet);
            WorkloadReport report;
            try (TraceRecorder recorder = new TraceRecorder(m.cpus(), spoolDir)) {
                m.kernel().tracepoints().attach(recorder);
                java.io.PrintStream stdout = System.out;
                if (output == null) {
                    System.setOut(System.err); // the trace goes to stdout: what a script prints goes beside the progress
                }
                try {
                    report = run.run(new MachineKernelCalls(m, progress::advanced));
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                } catch (RuntimeException e) {
                    err.println("kmemu: trace record: the workload failed: " + e.getMessage());
                    return 1;
                } finally {
                    m.kernel().tracepoints().detach(recorder);
                    System.setOut(stdout);
                }
                long events;
                if (output == null) {
                    events = recorder.finish(cl.getOut());
                } else {
                    try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                        events = recorder.finish(w);
                    }
                }
                if (!quiet) {
                    err.println("kmemu: trace record: " + events + " kmem events" + (output == null ? "" : " in " + output)
                            + " (the workload issued " + report.events() + ")");
                }
            }
            return 0;
        }
    }

    /** The progress line: events done (of planned), at most once a second. */
    static final class Progress {
        private final PrintWriter err;
        private final long planned;
        private final boolean quiet;
        private long last = System.nanoTime();

        Progress(PrintWriter err, long planned, boolean quiet) {
            this.err = err;
            this.planned = planned;
            this.quiet = quiet;
        }

        /** @param total events done so far */
        void advanced(long total) {
            long now = System.nanoTime();
            if (quiet || now - last < Record.PROGRESS_NANOS) {
                return;
            }
            last = now;
            err.println("kmemu: trace record: " + total + " events" + (planned > 0 ? " of " + planned + " ("
                    + total * 100 / planned + "%)" : ""));
            err.flush();
        }
    }
}
