package org.kmemu.core.machine;

import java.nio.ByteOrder;
import org.kmemu.api.Device;

/**
 * A test device: eight 64-bit registers that keep what is written, a read-to-clear register at offset 0x40
 * (reads return how many reads it had before, then count on) and a count of every access.
 */
final class RegisterFile implements Device {
    final long[] regs = new long[8];
    final ByteOrder order;
    long reads;
    long writes;
    long lastWriteSize;

    RegisterFile(ByteOrder order) {
        this.order = order;
    }

    @Override
    public long size() {
        return 0x1000;
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public long read(long offset, int size) {
        reads++;
        if (offset == 0x40) {
            return reads - 1;
        }
        if (offset < 0x40 && size == 8) {
            return regs[(int) (offset >> 3)];
        }
        if (offset < 0x40) {
            // sub-register read: the bytes of the register in the device's order
            byte[] b = bytes(regs[(int) (offset >> 3)]);
            long v = 0;
            int at = (int) (offset & 7);
            for (int i = 0; i < size; i++) {
                long x = b[at + i] & 0xffL;
                v |= order == ByteOrder.BIG_ENDIAN ? x << (8 * (size - 1 - i)) : x << (8 * i);
            }
            return v;
        }
        return 0;
    }

    private byte[] bytes(long v) {
        return java.nio.ByteBuffer.allocate(8).order(order).putLong(v).array();
    }

    @Override
    public void write(long offset, int size, long value) {
        writes++;
        lastWriteSize = size;
        if (offset < 0x40 && size == 8) {
            regs[(int) (offset >> 3)] = value;
        } else if (offset < 0x40) {
            byte[] b = bytes(regs[(int) (offset >> 3)]);
            int at = (int) (offset & 7);
            for (int i = 0; i < size; i++) {
                int shift = order == ByteOrder.BIG_ENDIAN ? 8 * (size - 1 - i) : 8 * i;
                b[at + i] = (byte) (value >>> shift);
            }
            regs[(int) (offset >> 3)] = java.nio.ByteBuffer.wrap(b).order(order).getLong();
        }
    }
}
