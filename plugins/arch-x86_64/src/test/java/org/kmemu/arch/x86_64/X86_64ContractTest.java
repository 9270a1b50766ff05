package org.kmemu.arch.x86_64;

import java.util.List;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.kmemu.tck.ArchitectureContractTest;
import org.kmemu.tck.PluginConfigs;

/**
 * x86_64 passes the architecture contract with 4-level paging, and with 5-level (LA57).
 * The assertions are the TCK's: every test of the contract class runs against this plugin.
 */
class X86_64ContractTest extends ArchitectureContractTest {
    @Override
    protected Architecture architecture() {
        return new X86_64Architecture();
    }

    @Override
    protected List<Long> ramSizes() {
        return List.of(64L << 20, 3L << 30, 16L << 30, 1L << 40);
    }

    /** The same contract with 5-level paging. */
    static class FiveLevel extends X86_64ContractTest {
        @Override
        protected ConfigView config() {
            return PluginConfigs.of(X86_64Architecture.class, "kmemu.arch.x86_64", "levels = 5");
        }
    }
}
