package org.kmemu.core.kernel;

import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMemory;
import org.kmemu.core.mm.PhysicalMemory;

/** {@link KernelMemory} over the direct map: {@code __pa} then RAM. */
final class DirectMapMemory implements KernelMemory {
    private final KernelLayout layout;
    private final PhysicalMemory ram;

    DirectMapMemory(KernelLayout layout, PhysicalMemory ram) {
        this.layout = layout;
        this.ram = ram;
    }

    @Override
    public long readLong(long vaddr) {
        return ram.readLong(layout.pa(vaddr));
    }

    @Override
    public void writeLong(long vaddr, long value) {
        ram.writeLong(layout.pa(vaddr), value);
    }

    @Override
    public int readInt(long vaddr) {
        return ram.readInt(layout.pa(vaddr));
    }

    @Override
    public void writeInt(long vaddr, int value) {
        ram.writeInt(layout.pa(vaddr), value);
    }

    @Override
    public void fill(long vaddr, byte value, long len) {
        ram.fill(layout.pa(vaddr), value, len);
    }

    @Override
    public void copy(long dst, long src, long len) {
        ram.copy(layout.pa(dst), layout.pa(src), Math.toIntExact(len));
    }
}
