package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The rule of __canonical_address() in arch/x86/include/asm/page.h (facts §2.5). */
class CanonicalAddressTest {

    @Test
    void fortyEightBitHalves() {
        assertThat(CanonicalAddress.isCanonical(0x00007fffffffffffL, 48)).isTrue();
        assertThat(CanonicalAddress.isCanonical(0xffff800000000000L, 48)).isTrue();
        assertThat(CanonicalAddress.isCanonical(0x0000800000000000L, 48)).isFalse();
        assertThat(CanonicalAddress.isCanonical(0xffff7fffffffffffL, 48)).isFalse();
        assertThat(CanonicalAddress.canonicalAddress(0x0000800000000000L, 48)).isEqualTo(0xffff800000000000L);
    }

    @Test
    void fiftySevenBitHalves() {
        assertThat(CanonicalAddress.isCanonical(0x00ffffffffffffffL, 57)).isTrue();
        assertThat(CanonicalAddress.isCanonical(0xff00000000000000L, 57)).isTrue();
        assertThat(CanonicalAddress.isCanonical(0x0100000000000000L, 57)).isFalse();
        // a 5-level kernel address is not canonical under 4-level paging
        assertThat(CanonicalAddress.isCanonical(0xff11000000000000L, 48)).isFalse();
    }

    @Test
    void badWidth() {
        assertThatThrownBy(() -> CanonicalAddress.canonicalAddress(0, 0))
                .hasMessage("vaddrBits: 0 (expected: 1..64)");
    }
}
