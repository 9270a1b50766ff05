package org.kmemu.alloc.slob;

import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.tck.ObjectAllocatorContractTest;

/** SLOB passes the object-allocator contract every policy keeps (the TCK's tests, run on this plugin). */
class SlobContractTest extends ObjectAllocatorContractTest {
    @Override
    protected ObjectAllocatorPolicy policy() {
        return new SlobPolicy();
    }
}
