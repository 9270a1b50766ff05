package ${package};

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.tck.PageAllocatorContractTest;

/**
 * The policy passes kmemu's page-allocator contract (the TCK): every test of
 * {@link PageAllocatorContractTest} runs against it, with its reference.conf defaults.
 */
class FirstFitContractTest extends PageAllocatorContractTest {
    @Override
    protected PageAllocatorPolicy policy() {
        return new FirstFitPolicy();
    }

    /** The contract ran on this plugin's policy, with the defaults of its reference.conf. */
    @Test
    void theContractRanOnThisPluginsPolicyAndDefaults() {
        assertThat(policy().id()).isEqualTo("${pluginId}");
        assertThat(config().getInt("max-order")).isEqualTo(10);
    }
}
