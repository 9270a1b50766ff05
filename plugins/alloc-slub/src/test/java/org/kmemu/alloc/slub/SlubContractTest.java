package org.kmemu.alloc.slub;

import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.tck.ObjectAllocatorContractTest;

/**
 * SLUB passes the object-allocator contract every policy keeps.
 * The assertions are the TCK's: every test of the contract class runs against this plugin.
 */
class SlubContractTest extends ObjectAllocatorContractTest {
    @Override
    protected ObjectAllocatorPolicy policy() {
        return new SlubPolicy();
    }
}
