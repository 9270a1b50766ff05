package org.kmemu.arch.i386;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.pf4j.Extension;

/**
 * The i386 (x86-32) architecture: a 3G/1G (or other VMSPLIT) address split, lowmem up to MAXMEM
 * (896 MiB in 2.6, about 880 MiB today), highmem reached through pkmap and the kmap_local fixmap
 * slots, 2-level 32-bit or 3-level PAE page tables.
 *
 * <p>The core calls {@link #configure} once, on the main thread, with the {@code kmemu.arch.i386}
 * subtree (defaults from this plugin's reference.conf).
 */
@Extension
public final class I386Architecture implements Architecture {
    /** The id a machine config selects this architecture by. */
    public static final String ID = "i386";

    /** Creates the extension; does no work. */
    public I386Architecture() {
    }

    /** @return "i386" */
    @Override
    public String id() {
        return ID;
    }

    /** @return a one-line description for {@code kmemu plugins} */
    @Override
    public String description() {
        return "x86-32: VMSPLIT address split, lowmem/highmem with pkmap and fixmap, 2-level or PAE page tables";
    }

    /**
     * @param config the {@code kmemu.arch.i386} subtree
     * @return the configured architecture
     * @throws org.kmemu.api.ConfigException for a bad value, naming its key
     */
    @Override
    public ArchSpec configure(ConfigView config) {
        return OptionsReader.spec(config);
    }
}
