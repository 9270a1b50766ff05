package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.List;

/**
 * Which keys of a resolved configuration the machine does not read, and why. One place decides it for
 * the two that need it: the check that refuses a user's key the machine would ignore
 * ({@link ConfigLoader.UserConfig#resolve}) and {@code kmemu config}'s machine file ({@link MachineFile}),
 * which leaves such keys out so that the file it prints passes that check.
 *
 * <p>A key is not used when another key decides against it:
 * <ul>
 *   <li>{@code kmemu.memory.size} when {@code kmemu.memory.map} is not empty (the map replaces the size);</li>
 *   <li>anything under {@code kmemu.arch.<id>}, {@code kmemu.page-allocator.<id>} or
 *       {@code kmemu.object-allocator.<id>} when {@code kmemu.machine.*} selects another plugin;</li>
 *   <li>a device type's defaults, {@code kmemu.device.<type>}, when no {@code kmemu.devices} entry has that type.</li>
 * </ul>
 */
final class KeyUse {
    private KeyUse() {
    }

    /**
     * Why a key is not used.
     *
     * @param decidingKey the key whose value makes it unused
     * @param why         the reason, as the text after "not used: " in a message
     */
    record NotUsed(String decidingKey, String why) {
    }

    /** Plugin namespaces: the namespace, the key that selects one plugin of it, and what the plugin is. */
    private static final String[][] SELECTED_BY = {
        {"kmemu.arch", "kmemu.machine.arch", "architecture"},
        {"kmemu.page-allocator", "kmemu.machine.page-allocator", "page allocator"},
        {"kmemu.object-allocator", "kmemu.machine.object-allocator", "object allocator"},
    };

    /**
     * @param merged the resolved configuration (every layer)
     * @param path   an absolute path, a leaf or a subtree (a whole {@code kmemu.arch.i386} is one answer)
     * @return why the machine does not read {@code path}, or null if it does
     */
    static NotUsed notUsed(Config merged, String path) {
        if (path.equals("kmemu.memory.size")) {
            ConfigValue map = merged.getValue("kmemu.memory.map");
            if (map instanceof ConfigList list && list.isEmpty()) {
                return null;
            }
            return new NotUsed("kmemu.memory.map", "this machine's memory is given by kmemu.memory.map at "
                    + Origins.of(merged, "kmemu.memory.map")
                    + " (set kmemu.memory.map = [] to have the architecture lay out kmemu.memory.size instead)");
        }
        List<String> parts = ConfigUtil.splitPath(path);
        if (parts.size() < 3) {
            return null;
        }
        if (path.startsWith("kmemu.device.")) {
            return deviceDefaults(merged, parts.get(2));
        }
        for (String[] ns : SELECTED_BY) {
            if (!path.startsWith(ns[0] + ".")) {
                continue;
            }
            String selected = merged.getString(ns[1]);
            if (parts.get(2).equals(selected)) {
                return null;
            }
            return new NotUsed(ns[1], "this machine's " + ns[2] + " is " + selected + " (" + ns[1] + " at "
                    + Origins.of(merged, ns[1]) + ")");
        }
        return null;
    }

    /** A device type's defaults are read only for the {@code kmemu.devices} entries of that type. */
    private static NotUsed deviceDefaults(Config merged, String type) {
        ConfigValue devices = merged.getValue("kmemu.devices");
        if (devices instanceof ConfigList list) {
            for (ConfigValue entry : list) {
                if (entry instanceof com.typesafe.config.ConfigObject obj && obj.get("type") != null
                        && type.equals(String.valueOf(obj.get("type").unwrapped()))) {
                    return null;
                }
            }
        }
        return new NotUsed("kmemu.devices", "no device of this machine is a " + type + " (kmemu.devices at "
                + Origins.of(merged, "kmemu.devices") + ")");
    }
}
