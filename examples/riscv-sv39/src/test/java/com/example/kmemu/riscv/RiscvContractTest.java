package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Architecture;
import org.kmemu.api.MemoryMap;
import org.kmemu.tck.ArchitectureContractTest;

/**
 * riscv64 against kmemu's architecture contract (the TCK): every test of {@link ArchitectureContractTest}
 * runs against this plugin, with QEMU virt machines of 64 MiB, 512 MiB, 2 GiB and 8 GiB of RAM at
 * 0x80000000: the TCK's rules hold for RAM that does not start at physical 0 and for a vmalloc area below
 * PAGE_OFFSET, as riscv64 has them.
 */
class RiscvContractTest extends ArchitectureContractTest {
    @Override
    protected Architecture architecture() {
        return new Riscv64Architecture();
    }

    @Override
    protected List<Long> ramSizes() {
        return List.of(64L << 20, 512L << 20, 2L << 30, 8L << 30);
    }

    /**
     * What makes these machines worth the TCK's run: each RAM size lies whole at QEMU virt's 0x80000000
     * (OpenSBI's reserved piece first), not at physical 0.
     */
    @Test
    void everyRamSizeTheContractRunsLiesAtTheVirtMachinesRamBase() {
        for (long ram : ramSizes()) {
            MemoryMap map = Sv39LayoutTest.spec().defaultMemoryMap(ram);
            assertThat(map.regions().get(0).start()).as("%d MiB", ram >> 20).isEqualTo(0x8000_0000L);
            assertThat(map.end()).as("%d MiB", ram >> 20).isEqualTo(0x8000_0000L + ram);
            assertThat(map.usableBytes()).as("%d MiB", ram >> 20).isPositive().isLessThanOrEqualTo(ram);
        }
    }
}
