package org.kmemu.tck;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import org.kmemu.api.ConfigView;
import org.kmemu.core.config.TypesafeConfigView;

/**
 * Config views for plugin tests: the plugin's own {@code reference.conf} (found on the test class
 * path, as the plugin's class loader finds it in the jar) under a few HOCON overrides, read by the
 * same {@link ConfigView} the core hands plugins at run time, so errors carry the same origins.
 */
public final class PluginConfigs {
    private PluginConfigs() {
    }

    /**
     * @param pluginClass any class of the plugin, to find its reference.conf
     * @param namespace   the plugin's subtree, e.g. {@code "kmemu.arch.i386"}
     * @param overrides   HOCON lines relative to {@code namespace}, e.g. {@code "pae = true"}
     * @return the view
     */
    public static ConfigView of(Class<?> pluginClass, String namespace, String... overrides) {
        Config reference = ConfigFactory.parseResources(pluginClass.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config user = ConfigFactory.parseString(String.join("\n", overrides),
                ConfigParseOptions.defaults().setOriginDescription("test overrides")).atPath(namespace);
        return new TypesafeConfigView(user.withFallback(reference).resolve(), namespace);
    }
}
