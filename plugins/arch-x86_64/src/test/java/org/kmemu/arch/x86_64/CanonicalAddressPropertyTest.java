package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Property form of the canonical-address rule (arch/x86/include/asm/page.h). */
class CanonicalAddressPropertyTest {

    @Property(tries = 500)
    void canonicalFormIsCanonicalAndKeepsLowBits(@ForAll long v) {
        for (int bits : new int[] {48, 57}) {
            long c = CanonicalAddress.canonicalAddress(v, bits);
            assertThat(CanonicalAddress.isCanonical(c, bits)).isTrue();
            long mask = (1L << bits) - 1;
            assertThat(c & mask).isEqualTo(v & mask);
            boolean upperUniform = (v >> (bits - 1)) == 0 || (v >> (bits - 1)) == -1;
            assertThat(CanonicalAddress.isCanonical(v, bits)).isEqualTo(upperUniform);
        }
    }
}
