package org.kmemu.alloc.buddy;

import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.tck.PageAllocatorContractTest;

/** The buddy allocator passes the page-allocator contract that every policy plugin keeps. */
class BuddyContractTest extends PageAllocatorContractTest {
    @Override
    protected PageAllocatorPolicy policy() {
        return new BuddyPolicy();
    }
}
