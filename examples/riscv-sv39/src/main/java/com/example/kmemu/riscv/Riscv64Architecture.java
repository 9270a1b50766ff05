package com.example.kmemu.riscv;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.pf4j.Extension;

/**
 * The riscv64 architecture, Sv39 paging as Linux 6.x sets it up on QEMU's virt board. A machine file
 * selects it with {@code kmemu.machine.arch = riscv64} and tunes it under {@code kmemu.arch.riscv64}
 * (defaults in this plugin's reference.conf).
 */
@Extension
public final class Riscv64Architecture implements Architecture {
    static final String ID = "riscv64";

    /** Does no work: the plugin host instantiates every extension it finds. */
    public Riscv64Architecture() {
    }

    /** @return "riscv64" */
    @Override
    public String id() {
        return ID;
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "riscv64 (example plugin): Sv39 3-level paging, linear map of all RAM from 0x80000000, zones DMA32/Normal, no highmem";
    }

    /**
     * @param config {@code kmemu.arch.riscv64}
     * @return the configured architecture
     * @throws org.kmemu.api.ConfigException for a value that breaks a rule
     */
    @Override
    public ArchSpec configure(ConfigView config) {
        return new Riscv64Spec(Riscv64Options.from(config));
    }
}
