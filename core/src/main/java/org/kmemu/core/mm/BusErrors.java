package org.kmemu.core.mm;

import org.kmemu.api.Access;

/**
 * Who reports an access to a physical address with no RAM and no device behind it. On a booted machine
 * it is the architecture's machine check (a kernel report, {@code org.kmemu.core.machine.MachineCheck});
 * before boot, and for bare {@link PhysicalMemory} in tests, the access is a caller's bug.
 */
@FunctionalInterface
public interface BusErrors {

    /** The default: an {@link IllegalArgumentException} naming the address, as before devices existed. */
    BusErrors NOT_RAM = (paddr, size, access) -> new IllegalArgumentException(String.format(
            "physical address %#x is not RAM (expected: a usable region of the memory map)", paddr));

    /**
     * @param paddr  the physical address
     * @param size   the access size in bytes
     * @param access read or write
     * @return the exception the accessing code throws
     */
    RuntimeException busError(long paddr, int size, Access access);
}
