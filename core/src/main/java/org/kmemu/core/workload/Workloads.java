package org.kmemu.core.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.kmemu.api.ConfigView;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.plugin.ExtensionRegistry;
import org.kmemu.core.plugin.PluginHost;

/**
 * The workloads an experiment can select by its {@code workload.type}: kmemu's built-ins
 * ({@code trace}, {@code synthetic}, ...; see {@link org.kmemu.core.plugin.BuiltInExtensions}) and every
 * loaded plugin's {@link Workload} extensions, as the {@link ExtensionRegistry} holds them.
 *
 * <p><b>Getting one.</b> The registry lives in the {@link PluginHost}, not in a booted machine
 * ({@link org.kmemu.core.Kmemu#boot(PluginHost, org.kmemu.core.config.ResolvedConfig)} takes the host
 * and returns a machine that does not keep it). So:
 * <ul>
 *   <li>an experiment runner loads the plugins once ({@code PluginHost.load(dirs)}), takes
 *       {@code Workloads.of(host)} once, and for each run calls {@link #prepare} and
 *       {@code Kmemu.boot(host, config)} with the same host;</li>
 *   <li>a CLI command has the host in its session ({@code Main.Session.host()}): {@code Workloads.of(session.host())};</li>
 *   <li>code that loads no plugins (tests, a program embedding kmemu alone) uses {@link #builtIn()}.</li>
 * </ul>
 *
 * <p>Immutable once made; {@link #prepare} may be called from several threads at once (each workload
 * makes its own caches thread-safe, as {@link Workload} requires).
 */
public final class Workloads {
    private final List<ExtensionRegistry.Extension<Workload>> workloads;

    private Workloads(ExtensionRegistry registry) {
        this.workloads = List.copyOf(registry.extensions(Workload.class));
    }

    /**
     * @param host the loaded plugins
     * @return the built-in workloads and the plugins' ones
     */
    public static Workloads of(PluginHost host) {
        return new Workloads(host.registry());
    }

    /**
     * @param registry a registry of extensions
     * @return its workloads
     */
    public static Workloads of(ExtensionRegistry registry) {
        return new Workloads(registry);
    }

    /** @return kmemu's built-in workloads alone, for code that loads no plugins */
    public static Workloads builtIn() {
        return new Workloads(ExtensionRegistry.builtIn());
    }

    /** @return the ids of the workloads there are, sorted */
    public List<String> ids() {
        return List.copyOf(new TreeSet<>(workloads.stream().map(ExtensionRegistry.Extension::id).toList()));
    }

    /** @return the workloads, built-ins first, then plugins' in load order */
    public List<Workload> all() {
        List<Workload> out = new ArrayList<>(workloads.size());
        for (ExtensionRegistry.Extension<Workload> e : workloads) {
            out.add(e.instance());
        }
        return List.copyOf(out);
    }

    /**
     * @param settings the experiment's {@code workload} block
     * @return the workload its {@code type} names
     * @throws org.kmemu.api.ConfigException at {@code type}'s file:line, listing the ids there are, when none has it
     */
    public Workload select(ConfigView settings) {
        String type = settings.getString("type");
        for (ExtensionRegistry.Extension<Workload> e : workloads) {
            if (e.id().equals(type)) {
                return e.instance();
            }
        }
        List<String> ids = ids();
        throw settings.error("type", "no workload \"" + type + "\" (expected one of: " + (ids.isEmpty() ? "none loaded" : String.join(", ", ids)) + ")");
    }

    /**
     * Selects the workload by the settings' {@code type} and prepares one run of it.
     *
     * @param settings the experiment's {@code workload} block ({@code type} and the workload's own settings)
     * @param context  the run's seed, CPU count and experiment directory
     * @return the run, not started
     * @throws org.kmemu.api.ConfigException for an unknown type or a bad setting, naming file:line
     */
    public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
        return select(settings).prepare(settings, context);
    }
}
