package org.kmemu.api;

/**
 * A workload plugin: a stream of kernel memory calls that an experiment (or {@code kmemu trace record})
 * runs on a booted machine. kmemu ships {@code trace} (replays ftrace kmem traces), {@code synthetic}
 * (seeded random alloc/free streams) and {@code script} (a JShell script); a plugin adds more, for
 * instance one that drives a researcher's own allocation pattern.
 *
 * <p><b>Caller and thread.</b> The plugin host creates it at start-up. For each run of an experiment
 * the host calls {@link #prepare} with the workload's settings (the experiment file's
 * {@code workload} block, whose {@code type} is this id), before the run's machine boots; it may do
 * so from several threads at once for different runs, so an implementation that caches what it read
 * (a parsed trace, say) must make that cache thread-safe. Each {@link WorkloadRun} is then run once,
 * on one thread.
 *
 * <p><b>Failure.</b> A bad or missing setting is a {@link ConfigException} built with
 * {@link ConfigView#error} (one line, the experiment file and line); an unreadable input file is a
 * {@link ConfigException} naming the file. The experiment stops before any run starts.
 *
 * <p><b>TCK.</b> {@code WorkloadContractTest}: the same settings and seed give the same calls, the run
 * reports the events it issued, and it stays within the calls' contracts (frees only what it got).
 *
 * @since 1.2
 */
@ExtensionPointInfo(what = "workload", selectedBy = "workload.type")
public interface Workload extends KmemuExtension {

    /** @return the id an experiment selects this workload by, e.g. "synthetic" */
    @Override
    String id();

    /** @return a one-line description of the calls it makes */
    @Override
    String description();

    /**
     * Reads and checks the settings and makes one run's stream of calls. Does no kernel call.
     *
     * @param settings the workload's settings ({@code type} included)
     * @param context  the run's seed, CPU count and where relative file names are read from
     * @return the run, not started
     * @throws ConfigException for a bad setting or an unreadable input, naming where
     */
    WorkloadRun prepare(ConfigView settings, WorkloadContext context);
}
