package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelMapping;
import org.kmemu.tck.PluginConfigs;

/** The architecture contract again, with the linear map in 1 GiB gigapages (root-table leaves) where RAM allows. */
class RiscvGigapagesContractTest extends RiscvContractTest {
    @Override
    protected ConfigView config() {
        return PluginConfigs.of(Riscv64Architecture.class, "kmemu.arch.riscv64", "linear-map-page-size = 1G");
    }

    /** The contract above ran on gigapages: this configuration's linear map may use 1 GiB leaves, the default's may not. */
    @Test
    void theLinearMapOfThisConfigurationIsInGigapages() {
        assertThat(largestLinearMapPage(architecture().configure(config()))).isEqualTo(1L << 30);
        assertThat(largestLinearMapPage(architecture().configure(super.config()))).isEqualTo(2L << 20);
    }

    /** @return the largest leaf the installed linear map of an 8 GiB machine uses */
    private static long largestLinearMapPage(ArchSpec spec) {
        return BootedTables.of(spec, 8L << 30, 8L << 20).tables().leaves(KernelMapping.Kind.DIRECT_MAP).keySet().stream()
                .mapToLong(shift -> 1L << shift).max().orElse(0);
    }
}
