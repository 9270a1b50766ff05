package org.kmemu.alloc.slob;

import org.kmemu.api.ConfigView;

/**
 * SLOB's settings, read once from {@code kmemu.object-allocator.slob} (defaults in this plugin's
 * reference.conf). SLOB itself had no tunables; the one key here switches kmemu's only deviation.
 *
 * @param keepEmptyPage keep the last entirely free heap page until shrink instead of freeing it at once
 */
record SlobOptions(boolean keepEmptyPage) {

    /**
     * @param config the policy's subtree
     * @return the options
     * @throws org.kmemu.api.ConfigException for a missing or mistyped value
     */
    static SlobOptions read(ConfigView config) {
        return new SlobOptions(config.getBoolean("keep-empty-page"));
    }
}
