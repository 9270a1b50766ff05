package org.kmemu.core.testing;

import java.nio.ByteOrder;
import org.kmemu.api.Device;

/** A test device that is plain little-endian memory (a frame buffer's BAR), counting the stores that reach it. */
public final class TestVram implements Device {
    /** The device's bytes. */
    public final byte[] mem;
    /** Stores that reached the device. */
    public int writes;

    /** @param bytes the window's size */
    public TestVram(int bytes) {
        this.mem = new byte[bytes];
    }

    @Override
    public long size() {
        return mem.length;
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public long read(long offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (mem[(int) offset + i] & 0xffL) << (8 * i);
        }
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        writes++;
        for (int i = 0; i < size; i++) {
            mem[(int) offset + i] = (byte) (value >>> (8 * i));
        }
    }
}
