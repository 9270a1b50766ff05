package org.kmemu.core.machine;

import org.kmemu.api.PhysicalBus;
import org.kmemu.core.mm.PhysicalMemory;

/**
 * The physical bus as a DMA-capable device sees it: RAM and device windows by physical address, no MMU.
 * An address with nothing behind it is refused with an {@link IllegalArgumentException} naming it.
 */
final class BusMaster implements PhysicalBus {
    private final PhysicalMemory memory;

    BusMaster(PhysicalMemory memory) {
        this.memory = memory;
    }

    @Override
    public void read(long paddr, byte[] dst, int off, int len) {
        check(paddr, len);
        memory.read(paddr, dst, off, len);
    }

    @Override
    public void write(long paddr, byte[] src, int off, int len) {
        check(paddr, len);
        memory.write(paddr, src, off, len);
    }

    /** A DMA transfer must start and end on RAM or a device: a bus error is the device's, not a CPU's. */
    private void check(long paddr, int len) {
        if (len < 0) {
            throw new IllegalArgumentException("DMA length " + len + " (expected: >= 0)");
        }
        if (len == 0) {
            return;
        }
        for (long a : new long[] {paddr, paddr + len - 1}) {
            if (!memory.isRam(a) && memory.devices().find(a) == null) {
                throw new IllegalArgumentException(String.format("DMA to physical address %#x: no RAM or device there", a));
            }
        }
    }
}
