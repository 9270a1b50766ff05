package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.tck.PageAllocatorContractTest;

/** The contract every kmemu page-allocator policy keeps, run against TLSF. */
class TlsfContractTest extends PageAllocatorContractTest {

    @Override
    protected PageAllocatorPolicy policy() {
        return new TlsfPolicy();
    }

    /** The contract ran on TLSF with the plugin's own defaults: the policy the machine file selects, its reference.conf. */
    @Test
    void theContractRanOnThisPluginsPolicyAndDefaults() {
        assertThat(policy().id()).isEqualTo("tlsf");
        assertThat(config().getInt("max-order")).isEqualTo(10);
        assertThat(config().getInt("second-level-log2")).isEqualTo(4);
    }
}
