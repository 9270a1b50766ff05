package com.example.kmemu.tlsf;

import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.tck.PageAllocatorContractTest;

/** The contract every kmemu page-allocator policy keeps, run against TLSF. */
class TlsfContractTest extends PageAllocatorContractTest {

    @Override
    protected PageAllocatorPolicy policy() {
        return new TlsfPolicy();
    }
}
