package ${package};

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
}
