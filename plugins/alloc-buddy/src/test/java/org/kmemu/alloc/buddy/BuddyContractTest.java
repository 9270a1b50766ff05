package org.kmemu.alloc.buddy;

import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.tck.PageAllocatorContractTest;

/**
 * The buddy allocator passes the page-allocator contract that every policy plugin keeps.
 * The assertions are the TCK's: every test of the contract class runs against this plugin.
 */
class BuddyContractTest extends PageAllocatorContractTest {
    @Override
    protected PageAllocatorPolicy policy() {
        return new BuddyPolicy();
    }
}
