package org.kmemu.tck;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.util.Map;
import org.kmemu.api.ConfigView;
import org.kmemu.core.config.TypesafeConfigView;

/**
 * Config views for plugin tests: the plugin's own {@code reference.conf} (found on the test class
 * path, as the plugin's class loader finds it in the jar) under a few HOCON overrides, read by the
 * same {@link ConfigView} the core hands plugins at run time, so errors carry the same origins.
 */
public final class PluginConfigs {
    /** How error messages name where an override came from, in place of a config file's {@code file:line}. */
    public static final String ORIGIN = "test overrides";

    private PluginConfigs() {
    }

    /**
     * @param pluginClass any class of the plugin, to find its reference.conf
     * @param namespace   the plugin's subtree, e.g. {@code "kmemu.arch.i386"}
     * @param overrides   HOCON lines relative to {@code namespace}, e.g. {@code "pae = true"}
     * @return the view
     */
    public static ConfigView of(Class<?> pluginClass, String namespace, String... overrides) {
        Config user = ConfigFactory.parseString(String.join("\n", overrides),
                ConfigParseOptions.defaults().setOriginDescription(ORIGIN));
        return view(pluginClass, namespace, user);
    }

    /**
     * The same view with overrides given as Java values, for tests that compute them (a property
     * test's random orders, a table of bad values). Values are what
     * {@link com.typesafe.config.ConfigValueFactory#fromAnyRef} accepts: {@code Integer},
     * {@code Long}, {@code Boolean}, {@code String} (a size such as {@code "1G"} or an address such
     * as {@code "0xc0000000"} stays a string, as it would in a file), lists and maps. Errors about
     * these values name the origin {@code "test overrides"}.
     *
     * @param pluginClass any class of the plugin, to find its reference.conf
     * @param namespace   the plugin's subtree, e.g. {@code "kmemu.page-allocator.buddy"}
     * @param overrides   dotted paths relative to {@code namespace} (e.g. {@code "per-cpu-lists.batch"})
     *                    to values
     * @return the view
     */
    public static ConfigView of(Class<?> pluginClass, String namespace, Map<String, ?> overrides) {
        return view(pluginClass, namespace, ConfigFactory.parseMap(overrides, ORIGIN));
    }

    private static ConfigView view(Class<?> pluginClass, String namespace, Config overrides) {
        Config reference = ConfigFactory.parseResources(pluginClass.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config user = overrides.atPath(namespace);
        return new TypesafeConfigView(user.withFallback(reference).resolve(), namespace);
    }
}
