package com.example.kmemu.riscv;

import org.kmemu.api.ConfigView;
import org.kmemu.tck.PluginConfigs;

/** The architecture contract again, with the linear map in 1 GiB gigapages (root-table leaves) where RAM allows. */
class RiscvGigapagesContractTest extends RiscvContractTest {
    @Override
    protected ConfigView config() {
        return PluginConfigs.of(Riscv64Architecture.class, "kmemu.arch.riscv64", "linear-map-page-size = 1G");
    }
}
