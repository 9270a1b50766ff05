package org.kmemu.core.plugin;

import java.nio.file.Path;

/**
 * A plugin jar that could not be used, and why, in one line for the user.
 *
 * @param jar    the plugin's jar or directory
 * @param reason what was wrong and what was expected
 */
public record PluginProblem(Path jar, String reason) {

    /** @return {@code "<jar>: <reason>"} */
    @Override
    public String toString() {
        return jar + ": " + reason;
    }
}
