package org.kmemu.arch.booke;

import java.util.List;
import org.kmemu.api.Architecture;
import org.kmemu.tck.ArchitectureContractTest;

/**
 * BookE passes the architecture contract, with and without highmem.
 * The assertions are the TCK's: every test of the contract class runs against this plugin.
 */
class BookeContractTest extends ArchitectureContractTest {
    @Override
    protected Architecture architecture() {
        return new BookeArchitecture();
    }

    @Override
    protected List<Long> ramSizes() {
        // Below, at and above the 768 MiB lowmem limit.
        return List.of(64L << 20, 768L << 20, 2L << 30);
    }
}
