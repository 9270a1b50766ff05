package org.kmemu.core.kernel;

import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMemory;
import org.kmemu.core.mm.PhysicalMemory;

/** {@link KernelMemory} over the direct map: {@code __pa} then RAM. */
public final class DirectMapMemory implements KernelMemory {
    private final KernelLayout layout;
    private final PhysicalMemory ram;

    /**
     * @param layout the kernel's virtual layout, whose {@code __pa} turns a direct-map address into a physical one
     * @param ram    the machine's RAM
     */
    public DirectMapMemory(KernelLayout layout, PhysicalMemory ram) {
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
