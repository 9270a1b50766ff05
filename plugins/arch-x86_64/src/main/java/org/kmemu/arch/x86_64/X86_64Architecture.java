package org.kmemu.arch.x86_64;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.pf4j.Extension;

/**
 * The x86_64 architecture plugin: a flat direct map of all RAM, 4- or 5-level paging, no highmem.
 * Reads {@code kmemu.arch.x86_64} (defaults in this plugin's reference.conf).
 */
@Extension
public final class X86_64Architecture implements Architecture {
    static final String ID = "x86_64";

    /** Does no work: the plugin host instantiates every extension it finds. */
    public X86_64Architecture() {
    }

    /** @return "x86_64" */
    @Override
    public String id() {
        return ID;
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "x86_64: 4- or 5-level paging, flat direct map of all RAM, zones DMA/DMA32/Normal, no highmem";
    }

    /**
     * @param config {@code kmemu.arch.x86_64}
     * @return the configured architecture
     * @throws org.kmemu.api.ConfigException for a value that breaks a rule
     */
    @Override
    public ArchSpec configure(ConfigView config) {
        X86_64Options options = X86_64Options.from(config);
        try {
            return new X86_64Spec(options);
        } catch (IllegalArgumentException e) {
            throw config.error("fixmap", e.getMessage());
        }
    }
}
