package org.kmemu.core.plugin;

import java.nio.file.Path;
import java.util.List;

/**
 * A plugin the host loaded and started, for {@code kmemu plugins}.
 *
 * @param id         Plugin-Id
 * @param version    Plugin-Version
 * @param requires   Plugin-Requires
 * @param jar        where it was loaded from
 * @param state      PF4J's state name (STARTED, FAILED, ...)
 * @param extensions the extensions it provides, as "Type id: description"
 */
public record LoadedPlugin(String id, String version, String requires, Path jar, String state, List<String> extensions) {
}
