package org.kmemu.arch.booke;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.pf4j.Extension;

/**
 * The PowerPC e500 (32-bit BookE) architecture plugin: big-endian, __va/__pa through VIRT_PHYS_OFFSET,
 * lowmem limited by CONFIG_LOWMEM_SIZE and the TLB1 CAMs, highmem above. Reads {@code kmemu.arch.booke}.
 */
@Extension
public final class BookeArchitecture implements Architecture {
    static final String ID = "booke";

    /** Does no work: the plugin host instantiates every extension it finds. */
    public BookeArchitecture() {
    }

    /** @return "booke" */
    @Override
    public String id() {
        return ID;
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "PowerPC e500 (BookE, 32-bit): big-endian, KERNELBASE direct map pinned in TLB1, Normal/HighMem";
    }

    /**
     * @param config {@code kmemu.arch.booke}
     * @return the configured architecture
     * @throws org.kmemu.api.ConfigException for a value that breaks a rule
     */
    @Override
    public ArchSpec configure(ConfigView config) {
        BookeOptions options = BookeOptions.from(config);
        return new BookeSpec(options, BookeMmuOptions.from(config, options.lowmemCamNum()));
    }
}
