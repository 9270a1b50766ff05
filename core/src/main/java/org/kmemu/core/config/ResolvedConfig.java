package org.kmemu.core.config;

import com.typesafe.config.Config;
import org.kmemu.api.ConfigView;

/**
 * The complete, resolved and key-checked configuration of one run. Immutable.
 */
public final class ResolvedConfig {
    private final Config config;
    private final Config reference;

    ResolvedConfig(Config config, Config reference) {
        this.config = config;
        this.reference = reference;
    }

    /**
     * @param path an absolute path such as {@code kmemu.arch.i386}
     * @return a view of that subtree whose errors carry origins
     */
    public ConfigView view(String path) {
        return new TypesafeConfigView(config, path);
    }

    /** @return the whole configuration as a view rooted at the top */
    public ConfigView root() {
        return new TypesafeConfigView(config, "");
    }

    /**
     * The configuration as a complete machine file, for {@code kmemu config}: HOCON that boots the same
     * machine when given back with {@code -c}, every key the machine reads with where it was set.
     *
     * @param pluginsDirs      the plugin directories the run actually loaded from, in search order
     * @param pluginsDirOrigin where that came from, e.g. "command line (--plugins)"
     * @return the file's text
     */
    public String machineFile(java.util.List<java.nio.file.Path> pluginsDirs, String pluginsDirOrigin) {
        java.util.List<String> dirs = pluginsDirs.stream()
                .map(d -> com.typesafe.config.ConfigUtil.quoteString(d.toAbsolutePath().normalize().toString())).toList();
        // One directory as a string (the common case, and what 1.0's files wrote), several as a list.
        String value = dirs.size() == 1 ? dirs.get(0) : "[" + String.join(", ", dirs) + "]";
        return MachineFile.render(config, reference, java.util.Map.of("kmemu.plugins.dir", new String[] {value, pluginsDirOrigin}));
    }

    /** @return the underlying Typesafe config, for the core's readers in this package */
    Config config() {
        return config;
    }
}
