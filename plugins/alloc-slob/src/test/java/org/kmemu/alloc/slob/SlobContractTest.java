package org.kmemu.alloc.slob;

import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.tck.ObjectAllocatorContractTest;

/**
 * SLOB passes the object-allocator contract every policy keeps.
 * The assertions are the TCK's: every test of the contract class runs against this plugin.
 */
class SlobContractTest extends ObjectAllocatorContractTest {
    @Override
    protected ObjectAllocatorPolicy policy() {
        return new SlobPolicy();
    }
}
