package org.kmemu.arch.i386;

import java.util.List;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.kmemu.tck.ArchitectureContractTest;
import org.kmemu.tck.PluginConfigs;

/**
 * i386 passes the architecture contract: non-PAE below and above the lowmem limit.
 * The assertions are the TCK's: every test of the contract class runs against this plugin.
 */
class I386ContractTest extends ArchitectureContractTest {
    @Override
    protected Architecture architecture() {
        return new I386Architecture();
    }

    @Override
    protected List<Long> ramSizes() {
        return List.of(64L << 20, 512L << 20, 2L << 30, 3L << 30);
    }

    /** The same contract with PAE, where RAM continues above 4 GiB. */
    static class Pae extends I386ContractTest {
        @Override
        protected ConfigView config() {
            return PluginConfigs.of(I386Architecture.class, "kmemu.arch.i386", "pae = true");
        }

        @Override
        protected List<Long> ramSizes() {
            return List.of(512L << 20, 8L << 30);
        }
    }

    /** The classic 2.6 layout with exactly 896 MiB of lowmem. */
    static class Classic extends I386ContractTest {
        @Override
        protected ConfigView config() {
            return PluginConfigs.of(I386Architecture.class, "kmemu.arch.i386", "layout = classic");
        }
    }
}
