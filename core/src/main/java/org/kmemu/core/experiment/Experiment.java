package org.kmemu.core.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.ResolvedConfig;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.experiment.report.HtmlReport;
import org.kmemu.core.machine.HeapBudget;
import org.kmemu.core.plugin.PluginHost;
import org.kmemu.core.workload.RunContext;
import org.kmemu.core.workload.Workloads;

/**
 * A config-driven experiment: one workload run on many machines (and many workload settings), each
 * run measured, every run's folder and the experiment's {@code summary.csv} and {@code report.html}
 * written under one output folder. {@code kmemu experiment FILE} runs one locally
 * ({@link LocalRunner}); a Spark job runs the same {@link #runs()} as tasks.
 *
 * <h2>The experiment file (HOCON)</h2>
 * <pre>
 * name = policies                       # optional: the file's name without .conf
 * machine = "../machines/i386-highmem.conf"   # the base machine file, relative to this file
 * workload {                            # passed to the workload named by type (Workloads)
 *   type = synthetic
 *   events = 100000
 * }
 * vary {                                # a cartesian product, in the file's order (first key slowest)
 *   "kmemu.machine.object-allocator" = [slub, slab, slob]
 *   "kmemu.cpus" = [1, 2]
 * }
 * # or, instead of vary, explicit points:
 * # points = [ { "kmemu.cpus" = 1 }, { "kmemu.cpus" = 4, machine = "../machines/x86_64.conf" } ]
 * seed = 1                              # default 1
 * repeats = 1                           # runs per point, default 1
 * sample-every = 10000                  # workload events between samples, default 10000
 * output = "experiments-out/policies"   # default experiments-out/NAME, relative to the working directory
 * metrics = [peak_footprint_pages, internal_fragmentation]   # optional: summary.csv's metric columns
 * </pre>
 * A varied key is {@code machine} (the base machine file, relative to the experiment file), a machine
 * key {@code kmemu.KEY} (given to the machine as {@code -D KEY=VALUE} is, over the machine file and the
 * command line's own {@code -D}), or a workload setting {@code workload.KEY}. Unknown keys, values of the
 * wrong type, and a point whose machine would not boot (an unknown policy, a bad value) are refused
 * before any run starts, naming the experiment file's line.
 *
 * <p><b>Seeds.</b> A run's seed is derived from {@code seed}, the point's workload settings
 * ({@code workload.*} keys) and the repeat (SplitMix64), not from its machine keys: every machine and
 * policy of a point sees the same stream of calls (common random numbers), and the repeats of a point
 * see different ones.
 *
 * <p><b>Thread.</b> {@link #run} boots the machine on the calling thread, which then owns every CPU
 * of the machine until the run ends; several threads may call it at once for different runs. The
 * other methods are for one thread.
 */
public final class Experiment {
    private final ExperimentFile file;
    private final PluginHost host;
    private final List<Path> pluginDirs;
    private final String pluginsOrigin;
    private final Map<String, String> overrides;
    private final Path output;
    private final List<RunSpec> runs;
    /** For each run, its point's index in {@link ExperimentFile#points()}. */
    private final int[] pointOf;
    /** For each point: its machine's resolved configuration. */
    private final List<ResolvedConfig> configs;
    private final Workloads workloads;

    private Experiment(ExperimentFile file, PluginHost host, List<Path> pluginDirs, String pluginsOrigin,
                       Map<String, String> overrides, Path output) {
        this.file = file;
        this.host = host;
        this.pluginDirs = List.copyOf(pluginDirs);
        this.pluginsOrigin = pluginsOrigin;
        this.overrides = Map.copyOf(overrides);
        this.output = output;
        this.configs = new ArrayList<>();
        for (ExperimentFile.Point p : file.points()) {
            configs.add(resolve(p));
        }
        List<RunSpec> plan = new ArrayList<>();
        int total = file.points().size() * file.repeats();
        this.pointOf = new int[total];
        int width = Math.max(3, Integer.toString(total - 1).length());
        for (int p = 0; p < file.points().size(); p++) {
            ExperimentFile.Point point = file.points().get(p);
            for (int r = 0; r < file.repeats(); r++) {
                int index = plan.size();
                pointOf[index] = p;
                plan.add(new RunSpec(index, String.format("run-%0" + width + "d", index), point.text(), r,
                        Seeds.runSeed(file.seed(), workloadPart(point), r)));
            }
        }
        this.runs = List.copyOf(plan);
        this.workloads = Workloads.of(host);
        // Every point's workload settings, checked before any run starts (a bad setting, an unreadable file).
        List<Integer> checked = new ArrayList<>();
        for (RunSpec r : runs) {
            if (!checked.contains(pointOf[r.index()])) {
                checked.add(pointOf[r.index()]);
                workloads.prepare(workloadSettings(r), RunContext.beside(file.file(), r.seed(),
                        MachineConfig.parse(config(r)).cpus()));
            }
        }
    }

    /**
     * Reads and checks an experiment file, loads the plugins and checks that every point's machine
     * resolves (keys known, policies loaded). Boots nothing.
     *
     * @param file       the experiment file
     * @param pluginDirs plugin directories ({@code --plugins}); empty for the base machine's
     *                   {@code kmemu.plugins.dir} or the launcher's
     * @param overrides  {@code -D} settings over the base machine (a varied key wins over them)
     * @return the experiment, its output folder {@code experiments-out/NAME} or the file's {@code output}
     * @throws ConfigException naming file:line for anything wrong
     */
    public static Experiment load(Path file, List<Path> pluginDirs, Map<String, String> overrides) {
        return load(file, pluginDirs, overrides, null);
    }

    /**
     * As {@link #load(Path, List, Map)}, with the output folder given ({@code -o DIR}).
     *
     * @param file       the experiment file
     * @param pluginDirs plugin directories; empty for the machine's
     * @param overrides  {@code -D} settings over the base machine
     * @param output     the output folder, or null for the file's
     * @return the experiment
     */
    public static Experiment load(Path file, List<Path> pluginDirs, Map<String, String> overrides, Path output) {
        ExperimentFile f = ExperimentFile.parse(file);
        Path firstMachine = f.machine() != null ? f.machine()
                : f.file().getParent().resolve(ExperimentFile.Point.text(f.points().get(0).values().get("machine"))).normalize();
        List<Path> dirs = pluginDirs;
        String origin = "command line (--plugins)";
        if (dirs.isEmpty()) {
            ConfigLoader.UserConfig user = ConfigLoader.user(firstMachine, overrides);
            String fallback = System.getProperty("kmemu.plugins.dir", "plugins");
            dirs = user.stringsOr("kmemu.plugins.dir", List.of(fallback)).stream().map(Paths::get).toList();
            String set = user.originOf("kmemu.plugins.dir");
            origin = set != null ? set : System.getProperty("kmemu.plugins.dir") != null
                    ? "the kmemu launcher's plugins directory" : "kmemu-core reference.conf (relative to the current directory)";
        }
        Path out = output != null ? output : Paths.get(f.output() != null ? f.output() : "experiments-out/" + f.name());
        return new Experiment(f, PluginHost.load(dirs), dirs, origin, overrides, out);
    }

    /** @return the experiment's name */
    public String name() {
        return file.name();
    }

    /** @return the experiment file, absolute */
    public Path file() {
        return file.file();
    }

    /** @return the varied keys, in the file's order */
    public List<String> variedKeys() {
        return file.keys();
    }

    /** @return the plan: every run, point by point, repeats together; the same for the same file */
    public List<RunSpec> runs() {
        return runs;
    }

    /** @return where {@link #writeRun} and {@link #finish} write */
    public Path outputDirectory() {
        return output;
    }

    /** @return workload events between two samples */
    public long sampleEvery() {
        return file.sampleEvery();
    }

    /** @return the plugins loaded for the runs */
    public PluginHost host() {
        return host;
    }

    /**
     * @param spec a run of {@link #runs()}
     * @return its machine's resolved configuration
     */
    ResolvedConfig config(RunSpec spec) {
        return configs.get(pointOf[check(spec).index()]);
    }

    /**
     * @param spec a run of {@link #runs()}
     * @return the workload's settings at its point, as a view whose errors name the experiment file
     */
    TypesafeConfigView workloadSettings(RunSpec spec) {
        Config c = file.workload();
        for (Map.Entry<String, ConfigValue> e : file.points().get(pointOf[check(spec).index()]).values().entrySet()) {
            if (e.getKey().startsWith("workload.")) {
                c = c.withValue(e.getKey(), e.getValue());
            }
        }
        return new TypesafeConfigView(c, "workload");
    }

    /**
     * @param spec a run of {@link #runs()}
     * @return the machine file {@code kmemu config} prints for the run's machine: it boots the same machine
     */
    String machineFile(RunSpec spec) {
        return config(spec).machineFile(pluginDirs, pluginsOrigin);
    }

    /**
     * An estimate of the heap one run's machine needs ({@link HeapBudget}), the largest over the points:
     * the local runner runs no more machines at once than the heap holds.
     *
     * @return bytes
     */
    public long heapPerRun() {
        long most = 0;
        for (ResolvedConfig c : configs) {
            MachineConfig mc = MachineConfig.parse(c);
            long bytes = mc.memory().sizeBytes();
            for (MachineConfig.RegionSpec r : mc.memory().regions()) {
                bytes = Math.max(bytes, r.start() + r.size());
            }
            // 4 KiB frames: the most struct pages any shipped architecture has for this much RAM.
            most = Math.max(most, HeapBudget.of(List.of(new long[] {0, bytes >>> 12}), mc.cpus()).neededBytes());
        }
        return most;
    }

    /**
     * Boots the run's machine on this thread, runs the workload, measures. Writes nothing. A run that
     * fails (an exception, a kernel oops, the heap running out) returns status {@code failed} with the
     * one-line error; it does not throw.
     *
     * @param spec a run of {@link #runs()}
     * @return the run's statistics and files
     */
    public RunOutput run(RunSpec spec) {
        return run(spec, null);
    }

    /**
     * As {@link #run(RunSpec)}, telling {@code progress} the run's events done so far as the workload
     * advances (a progress line).
     *
     * @param spec     a run of {@link #runs()}
     * @param progress told the run's events so far, on the run's thread; or null
     * @return the run's statistics and files
     */
    public RunOutput run(RunSpec spec, java.util.function.LongConsumer progress) {
        return ExperimentRun.run(this, check(spec), progress);
    }

    /** @return the workloads the runs select from */
    Workloads workloads() {
        return workloads;
    }

    /**
     * Writes a run's folder: {@code outputDirectory()/<name>/} and every file of the run.
     *
     * @param out what {@link #run} returned
     */
    public void writeRun(RunOutput out) {
        Path dir = output.resolve(out.stats().name());
        try {
            for (Map.Entry<String, String> f : out.files().entrySet()) {
                Path p = dir.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the experiment's {@code summary.csv} and {@code report.html}.
     *
     * @param stats every run's statistics, in run order
     */
    public void finish(List<RunStats> stats) {
        try {
            Files.createDirectories(output);
            SummaryCsv.write(output.resolve(SummaryCsv.FILE), file.keys(), file.metrics(), stats);
            HtmlReport.write(output, name(), file.keys(), stats);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
    }

    /** @return the metric columns of summary.csv, in order */
    public List<String> metricColumns() {
        return Metrics.columns(file.metrics());
    }

    private RunSpec check(RunSpec spec) {
        if (spec.index() < 0 || spec.index() >= runs.size() || !runs.get(spec.index()).equals(spec)) {
            throw new IllegalArgumentException("not a run of experiment " + name() + ": " + spec);
        }
        return spec;
    }

    /** The machine of a point: its file, -D, then the point's kmemu keys, resolved and its plugins selected. */
    private ResolvedConfig resolve(ExperimentFile.Point p) {
        ConfigValue machineValue = p.values().get("machine");
        Path machine = machineValue != null ? file.file().getParent().resolve(ExperimentFile.Point.text(machineValue)).normalize()
                : file.machine();
        Map<String, String> all = new LinkedHashMap<>(overrides);
        for (Map.Entry<String, ConfigValue> e : p.values().entrySet()) {
            if (e.getKey().startsWith("kmemu.")) {
                ConfigValue v = e.getValue();
                all.put(e.getKey(), v.valueType() == ConfigValueType.STRING ? ConfigUtil.quoteString((String) v.unwrapped())
                        : ExperimentFile.Point.text(v));
            }
        }
        try {
            if (machineValue != null && !Files.isRegularFile(machine)) {
                throw new ConfigException("no such machine file: " + machine);
            }
            ResolvedConfig resolved = ConfigLoader.user(machine, all).resolve(host.referenceConfigs());
            MachineConfig mc = MachineConfig.parse(resolved);
            host.select(Architecture.class, mc.archId(), mc.archOrigin());
            host.select(PageAllocatorPolicy.class, mc.pageAllocatorId(), mc.allocatorOrigin());
            host.select(ObjectAllocatorPolicy.class, mc.objectAllocatorId(), mc.objectAllocatorOrigin());
            return resolved;
        } catch (ConfigException e) {
            throw pointError(p, e);
        }
    }

    /** A point's machine error, placed at the line of the varied value it came from when it names one. */
    private ConfigException pointError(ExperimentFile.Point p, ConfigException e) {
        String msg = e.getMessage();
        for (Map.Entry<String, ConfigValue> v : p.values().entrySet()) {
            String prefix = "command line (-D " + v.getKey() + "): ";
            if (msg.startsWith(prefix)) {
                return new ConfigException(ExperimentFile.where(v.getValue()) + ": " + v.getKey() + " = "
                        + ExperimentFile.render(v.getValue()) + ": " + msg.substring(prefix.length()), e);
            }
        }
        if (p.values().containsKey("machine") && (msg.startsWith("no such machine file") || !msg.contains(".conf:"))) {
            ConfigValue m = p.values().get("machine");
            return new ConfigException(ExperimentFile.where(m) + ": machine = " + ExperimentFile.render(m) + ": " + msg, e);
        }
        if (p.values().isEmpty()) {
            return e;
        }
        ConfigValue first = p.values().values().iterator().next();
        return new ConfigException(ExperimentFile.where(first) + ": at the point " + p.text() + ": " + msg, e);
    }

    /** The point's workload settings as text, the part of a point its seed depends on. */
    private static String workloadPart(ExperimentFile.Point p) {
        StringBuilder sb = new StringBuilder();
        p.text().forEach((k, v) -> {
            if (k.startsWith("workload.")) {
                sb.append(k).append('=').append(v).append('\n');
            }
        });
        return sb.toString();
    }

    /** @return the experiment file as read */
    ExperimentFile spec() {
        return file;
    }

    /** @return the -D settings */
    Map<String, String> overrides() {
        return overrides;
    }
}
