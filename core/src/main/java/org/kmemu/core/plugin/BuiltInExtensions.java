package org.kmemu.core.plugin;

import java.util.List;
import java.util.function.Supplier;
import org.kmemu.api.KmemuExtension;
import org.kmemu.api.Workload;

/**
 * The extensions kmemu itself provides, beside the plugins' ones: today the built-in workloads. The
 * registry holds them under the same extension points, with {@link #PLUGIN} as their plugin, so
 * {@code kmemu plugins} lists them and a config selects them exactly as it selects a plugin's.
 *
 * <p>To add a built-in, add its constructor to {@link #WORKLOADS} (a new instance per registry, so
 * that caches an extension keeps live as long as the plugin host that holds it).
 */
public final class BuiltInExtensions {
    /** The plugin id built-in extensions are registered under. */
    public static final String PLUGIN = "kmemu";

    private static final List<Supplier<Workload>> WORKLOADS = List.of(
            org.kmemu.core.workload.TraceWorkload::new,
            org.kmemu.core.workload.SyntheticWorkload::new,
            org.kmemu.core.script.ScriptWorkload::new);

    private BuiltInExtensions() {
    }

    /**
     * @param point an extension point
     * @param <T>   its type
     * @return new instances of kmemu's own extensions of {@code point}, in a fixed order; empty for most points
     */
    @SuppressWarnings("unchecked")
    public static <T extends KmemuExtension> List<T> of(Class<T> point) {
        if (point == Workload.class) {
            return (List<T>) WORKLOADS.stream().map(Supplier::get).toList();
        }
        return List.of();
    }
}
