package org.kmemu.core.workload;

import org.kmemu.api.ConfigView;

/** A workload setting of GFP flag names ({@code "GFP_KERNEL|__GFP_ZERO"}), read as a trace's gfp_flags are. */
public final class TraceGfpNames {
    private TraceGfpNames() {
    }

    /**
     * @param settings the settings
     * @param key      the key holding the names
     * @return the flags
     * @throws org.kmemu.api.ConfigException at the key's file:line for a name kmemu does not know
     */
    public static int parse(ConfigView settings, String key) {
        String text = settings.getString(key).replace(" ", "");
        try {
            return TraceGfp.parse(text, 0);
        } catch (TraceFormatException e) {
            throw settings.error(key, e.problem().replace("gfp_flags: ", "").replace("gfp_flags=", ""));
        }
    }
}
