package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import org.kmemu.api.ConfigView;

/**
 * The complete, resolved and key-checked configuration of one run. Immutable.
 */
public final class ResolvedConfig {
    private final Config config;

    ResolvedConfig(Config config) {
        this.config = config;
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

    /** @return the resolved {@code kmemu} subtree as HOCON text, for {@code kmemu config} */
    public String render() {
        return config.getConfig("kmemu").root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    /** @return the underlying Typesafe config, for the core's readers in this package */
    Config config() {
        return config;
    }
}
