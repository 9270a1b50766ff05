package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VirtualAddressWidthTest {

    @Test
    void aThirtyTwoBitCpuHasNothingAboveBit31() {
        VirtualAddressWidth w = new VirtualAddressWidth("i386", 32);
        assertThat(w.contains(0)).isTrue();
        assertThat(w.contains(0xffffffffL)).isTrue();
        assertThat(w.contains(0x100000000L)).isFalse();
        // Not sign-extended: a 32-bit register holds no copy of bit 31.
        assertThat(w.contains(0xffffffffc0000000L)).isFalse();
        assertThat(w.refusal(0x100000000L))
                .isEqualTo("0x100000000 is wider than i386's 32-bit virtual addresses (expected: at most 0xffffffff)");
    }

    @Test
    void aSixtyFourBitCpuWantsCanonicalAddresses() {
        VirtualAddressWidth w = new VirtualAddressWidth("x86_64", 48);
        assertThat(w.contains(0x00007fffffffffffL)).isTrue();
        assertThat(w.contains(0xffff800000000000L)).isTrue();
        assertThat(w.contains(0xffff888000000000L)).isTrue();
        assertThat(w.contains(0x0000800000000000L)).isFalse();
        assertThat(w.contains(0xff00000000000000L)).isFalse();
        assertThat(w.refusal(0x0000800000000000L)).isEqualTo("0x800000000000 is not one of x86_64's 48-bit virtual addresses"
                + " (expected: bits 63..47 copies of bit 47: at most 0x00007fffffffffff or at least 0xffff800000000000)");
        VirtualAddressWidth la57 = new VirtualAddressWidth("x86_64", 57);
        assertThat(la57.contains(0xff11000000000000L)).isTrue();
        assertThat(la57.contains(0x0100000000000000L)).isFalse();
        assertThat(new VirtualAddressWidth("any", 64).contains(0x8000000000000000L)).isTrue();
    }
}
