package org.kmemu.x86.common.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;

/**
 * The fatal machine check's report, line for line as arch/x86/kernel/cpu/mce/core.c prints it: print_mce's
 * lines (no RIP line when MCG_STATUS has neither RIPV nor EIPV), mce_panic's severity line, then panic with
 * mce_reign's "Fatal machine check".
 */
class X86MachineCheckTest {
    @Test
    void aReadOfAnEmptyHoleIsAFatalBusErrorWithTheAddress() {
        assertThat(X86MachineCheck.report(0xfed10000L, Access.READ, 1, 0x506e3)).containsExactly(
                "mce: [Hardware Error]: CPU 1: Machine Check Exception: 4 Bank 0: b60000000000081f",
                "mce: [Hardware Error]: TSC 0 ADDR fed10000 ",
                "mce: [Hardware Error]: PROCESSOR 0:506e3 TIME 0 SOCKET 0 APIC 1 microcode 0",
                "mce: [Hardware Error]: Run the above through 'mcelog --ascii'",
                "mce: [Hardware Error]: Machine check: Processor context corrupt",
                "Kernel panic - not syncing: Fatal machine check");
    }

    @Test
    void aWriteCarriesTheDataWriteRequestCode() {
        // compound error code 0000 1PPT RRRR IILL: RRRR 0010 (data write) instead of 0001 (data read)
        assertThat(X86MachineCheck.report(0x1_0000_0000L, Access.WRITE, 0, 0x686).get(0))
                .isEqualTo("mce: [Hardware Error]: CPU 0: Machine Check Exception: 4 Bank 0: b60000000000082f");
        assertThat(X86MachineCheck.report(0x1_0000_0000L, Access.WRITE, 0, 0x686).get(2))
                .isEqualTo("mce: [Hardware Error]: PROCESSOR 0:686 TIME 0 SOCKET 0 APIC 0 microcode 0");
    }
}
