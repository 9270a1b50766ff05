package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigException;

/** Each rule of Riscv64Options, reported as one line naming the key and where the value came from. */
class Riscv64OptionsTest {
    @Test
    void defaultsAreQemuVirtWithOpenSbi() {
        Riscv64Spec spec = (Riscv64Spec) Sv39LayoutTest.spec();
        assertThat(spec.kernelLoadAddress()).isEqualTo(0x80200000L);
        assertThat(spec.tlbModel().entries()).isEqualTo(32);
        assertThat(spec.tlbModel().tagged()).as("ASIDs not modelled").isFalse();
        assertThat(spec.tlbModel().softwareRefill()).as("the hardware walks Sv39 tables").isFalse();
    }

    @Test
    void badValuesNameTheirKey() {
        assertBad("ram-base = \"0x80100000\"", "ram-base", "2 MiB aligned");
        assertBad("kernel-load-address = \"0x80300000\"", "kernel-load-address", "2 MiB aligned");
        assertBad("kernel-load-address = \"0x80000000\"", "kernel-load-address", "firmware's end 0x80060000");
        assertBad("firmware-reserved = 1000", "firmware-reserved", "4 KiB pages");
        assertBad("linear-map-page-size = 4K", "linear-map-page-size", "2M as Linux");
        assertBad("tlb.sets = 6", "tlb.sets", "power of two");
        assertBad("struct-page-bytes = 0", "struct-page-bytes", "multiple of 8");
    }

    private static void assertBad(String override, String key, String expected) {
        assertThatThrownBy(() -> Sv39LayoutTest.spec(override)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kmemu.arch.riscv64." + key).hasMessageContaining(expected)
                .hasMessageContaining("test overrides");
    }
}
