package org.kmemu.devices;

import java.nio.ByteOrder;
import org.kmemu.api.Device;

/**
 * A frame buffer: a BAR of plain memory behind a device window, as a graphics card's aperture. Reads return
 * what was written (0 before), with no side effect; the bytes are stored in the device's byte order, so a
 * value written with one size reads back consistently with another. The only state besides the pixels is a
 * count of reads and writes, for tests.
 */
public final class FrameBuffer implements Device {
    private final byte[] pixels;
    private final ByteOrder order;
    private long reads;
    private long writes;

    /**
     * @param size  the BAR's size in bytes
     * @param order the device's byte order
     */
    public FrameBuffer(int size, ByteOrder order) {
        this.pixels = new byte[size];
        this.order = order;
    }

    @Override
    public long size() {
        return pixels.length;
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public long read(long offset, int size) {
        reads++;
        int at = (int) offset;
        long v = 0;
        for (int i = 0; i < size; i++) {
            long b = pixels[at + i] & 0xffL;
            v |= order == ByteOrder.BIG_ENDIAN ? b << (8 * (size - 1 - i)) : b << (8 * i);
        }
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        writes++;
        int at = (int) offset;
        for (int i = 0; i < size; i++) {
            int shift = order == ByteOrder.BIG_ENDIAN ? 8 * (size - 1 - i) : 8 * i;
            pixels[at + i] = (byte) (value >>> shift);
        }
    }

    /** @param offset a byte offset @return the byte there, without counting an access */
    public byte peek(int offset) {
        return pixels[offset];
    }

    /** @return reads so far */
    public long reads() {
        return reads;
    }

    /** @return writes so far */
    public long writes() {
        return writes;
    }
}
