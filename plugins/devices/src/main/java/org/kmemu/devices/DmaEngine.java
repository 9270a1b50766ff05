package org.kmemu.devices;

import java.nio.ByteOrder;
import org.kmemu.api.Device;
import org.kmemu.api.PhysicalBus;

/**
 * A DMA engine: a bus master that copies memory by physical address when a driver rings its doorbell, between
 * RAM (and other devices' windows) and its own internal buffer. It sees the physical bus as a device does on a
 * machine without an IOMMU, so a driver must hand it physical (bus) addresses of pages that stay put while it
 * works: a page from the page allocator given by {@code __pa}/{@code page_to_phys}, or a user page pinned with
 * {@code pin_user_pages}.
 *
 * <h2>Register map</h2>
 * A {@code 0x1000 + buffer-size} byte window. Registers are 64 bits wide (a 32-bit access reaches either half,
 * in the device's byte order); the transfer runs to completion inside the doorbell's store, so BUSY is never
 * seen set.
 * <pre>
 *   0x00 SRC      source: a physical address, or an offset into the buffer when CTRL.SRC_BUF is set
 *   0x08 DST      destination: a physical address, or an offset into the buffer when CTRL.DST_BUF is set
 *   0x10 LEN      bytes to copy, 1 to max-transfer
 *   0x18 CTRL     bit 0 START (the doorbell: a store with it set starts the transfer; it reads back 0),
 *                 bit 1 SRC_BUF, bit 2 DST_BUF
 *   0x20 STATUS   bit 0 BUSY, bit 1 DONE (the last transfer completed), bit 2 ERROR (the last transfer was
 *                 refused: a master abort, an address with no RAM or device behind it, or a length or buffer
 *                 range out of bounds); write 1s to clear (the DONE/ERROR bits a driver acknowledges)
 *   0x28 COUNT    completed transfers since power-on; writes are ignored
 *   0x30 ERRADDR  the address of the last refused transfer (the physical address, or the buffer offset)
 *   0x1000        the internal buffer: buffer-size bytes of plain memory, by CPU access or by DMA
 * </pre>
 * A refused transfer writes nothing (the engine checks the whole source and destination before it moves a
 * byte, as a master abort on the first read would stop it) and is not counted.
 */
public final class DmaEngine implements Device {
    /** Source address register. */
    public static final int SRC = 0x00;
    /** Destination address register. */
    public static final int DST = 0x08;
    /** Length register. */
    public static final int LEN = 0x10;
    /** Control register: the doorbell. */
    public static final int CTRL = 0x18;
    /** Status register. */
    public static final int STATUS = 0x20;
    /** Completed-transfer counter. */
    public static final int COUNT = 0x28;
    /** The address that made the last transfer fail. */
    public static final int ERRADDR = 0x30;
    /** Where the internal buffer starts in the window. */
    public static final int BUFFER = 0x1000;
    /** CTRL: start the transfer. */
    public static final long CTRL_START = 1;
    /** CTRL: SRC is an offset into the buffer. */
    public static final long CTRL_SRC_BUF = 1 << 1;
    /** CTRL: DST is an offset into the buffer. */
    public static final long CTRL_DST_BUF = 1 << 2;
    /** STATUS: a transfer is running (never seen: transfers complete inside the doorbell store). */
    public static final long STATUS_BUSY = 1;
    /** STATUS: the last transfer completed. */
    public static final long STATUS_DONE = 1 << 1;
    /** STATUS: the last transfer was refused. */
    public static final long STATUS_ERROR = 1 << 2;
    private static final int REGISTERS = 7;

    private final long[] regs = new long[REGISTERS];
    private final byte[] buffer;
    /** The staging area a transfer moves through: allocated once, max-transfer bytes. */
    private final byte[] staging;
    private final ByteOrder order;
    private final boolean big;
    private PhysicalBus bus;

    /**
     * @param bufferSize  bytes of internal buffer
     * @param maxTransfer the largest LEN accepted
     * @param order       the byte order of its registers
     */
    public DmaEngine(int bufferSize, int maxTransfer, ByteOrder order) {
        this.buffer = new byte[bufferSize];
        this.staging = new byte[maxTransfer];
        this.order = order;
        this.big = order == ByteOrder.BIG_ENDIAN;
    }

    @Override
    public long size() {
        return BUFFER + buffer.length;
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public void attach(PhysicalBus bus) {
        this.bus = bus;
    }

    @Override
    public long read(long offset, int size) {
        if (offset >= BUFFER) {
            return bytes(buffer, (int) (offset - BUFFER), size);
        }
        int reg = (int) (offset >>> 3);
        if (reg >= REGISTERS) {
            return 0;
        }
        long v = regs[reg];
        int lane = (int) (offset & 7);
        if (size == 8) {
            return v;
        }
        // the register's bytes in the device's order, then the lane's `size` of them
        int shift = big ? 8 * (8 - lane - size) : 8 * lane;
        return (v >>> shift) & ((1L << (8 * size)) - 1);
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= BUFFER) {
            putBytes(buffer, (int) (offset - BUFFER), size, value);
            return;
        }
        int reg = (int) (offset >>> 3);
        if (reg >= REGISTERS || reg == COUNT >>> 3 || reg == ERRADDR >>> 3) {
            return;
        }
        int lane = (int) (offset & 7);
        long mask = size == 8 ? -1L : ((1L << (8 * size)) - 1) << (big ? 8 * (8 - lane - size) : 8 * lane);
        long shifted = size == 8 ? value : (value << (big ? 8 * (8 - lane - size) : 8 * lane)) & mask;
        if (reg == STATUS >>> 3) {
            regs[reg] &= ~shifted; // write 1 to clear
            return;
        }
        regs[reg] = (regs[reg] & ~mask) | shifted;
        if (reg == CTRL >>> 3 && (regs[reg] & CTRL_START) != 0) {
            regs[reg] &= ~CTRL_START;
            doorbell(regs[reg]);
        }
    }

    /** @return how many transfers completed */
    public long completed() {
        return regs[COUNT >>> 3];
    }

    /** @return the STATUS register */
    public long status() {
        return regs[STATUS >>> 3];
    }

    /** The transfer, checked whole before a byte moves. */
    private void doorbell(long ctrl) {
        long src = regs[SRC >>> 3];
        long dst = regs[DST >>> 3];
        long len = regs[LEN >>> 3];
        regs[STATUS >>> 3] &= ~(STATUS_DONE | STATUS_ERROR);
        if (len <= 0 || len > staging.length) {
            fail(len);
            return;
        }
        int n = (int) len;
        boolean srcBuf = (ctrl & CTRL_SRC_BUF) != 0;
        boolean dstBuf = (ctrl & CTRL_DST_BUF) != 0;
        if (srcBuf && !inBuffer(src, n)) {
            fail(src);
            return;
        }
        if (dstBuf && !inBuffer(dst, n)) {
            fail(dst);
            return;
        }
        if ((!srcBuf || !dstBuf) && bus == null) {
            fail(srcBuf ? dst : src);
            return;
        }
        try {
            if (srcBuf) {
                System.arraycopy(buffer, (int) src, staging, 0, n);
            } else {
                bus.read(src, staging, 0, n);
            }
        } catch (IllegalArgumentException masterAbort) {
            fail(src);
            return;
        }
        try {
            if (dstBuf) {
                System.arraycopy(staging, 0, buffer, (int) dst, n);
            } else {
                bus.write(dst, staging, 0, n);
            }
        } catch (IllegalArgumentException masterAbort) {
            fail(dst);
            return;
        }
        regs[STATUS >>> 3] |= STATUS_DONE;
        regs[COUNT >>> 3]++;
    }

    private boolean inBuffer(long off, int n) {
        return off >= 0 && off + n <= buffer.length;
    }

    private void fail(long addr) {
        regs[STATUS >>> 3] |= STATUS_ERROR;
        regs[ERRADDR >>> 3] = addr;
    }

    private long bytes(byte[] b, int at, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            long x = b[at + i] & 0xffL;
            v |= big ? x << (8 * (size - 1 - i)) : x << (8 * i);
        }
        return v;
    }

    private void putBytes(byte[] b, int at, int size, long value) {
        for (int i = 0; i < size; i++) {
            int shift = big ? 8 * (size - 1 - i) : 8 * i;
            b[at + i] = (byte) (value >>> shift);
        }
    }
}
