package org.kmemu.alloc.slab;

import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.tck.ObjectAllocatorContractTest;

/** SLAB passes the object-allocator contract every policy keeps (the TCK's assertions). */
class SlabContractTest extends ObjectAllocatorContractTest {
    @Override
    protected ObjectAllocatorPolicy policy() {
        return new SlabPolicy();
    }
}
