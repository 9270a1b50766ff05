package org.kmemu.devices;

import java.nio.ByteOrder;
import org.kmemu.api.Device;

/**
 * A UART-like device in loopback: what a driver writes to the data register goes into the receive FIFO, and a
 * read of the data register pops it, so reads have side effects as a real UART's RBR has (reading it takes the
 * byte, drivers/tty/serial/8250). 32-bit registers in a 0x100-byte window:
 * <pre>
 *   0x00 DATA    write: push the low byte (dropped, and OVERRUN set, when the FIFO is full)
 *                read:  pop the oldest byte (0 when empty)
 *   0x04 STATUS  read:  bit 0 DR (data ready: the FIFO is not empty), bit 1 OE (overrun since the last read
 *                       of STATUS: cleared by this read, as the 16550's LSR[OE]), bit 5 THRE (room to write),
 *                       bits 8-20 the FIFO level; writes are ignored
 *   0x08 DEPTH   read:  the FIFO's depth; writes are ignored
 *   0x40 + 8*r   read:  how many reads register r (0 DATA, 1 STATUS, 2 DEPTH) has had; + 4: how many writes.
 *                       The counters do not count their own reads.
 * </pre>
 * Accesses narrower than 32 bits see the register's bytes in the device's order (so a byte read at 0x00 on a
 * little-endian UART is the data byte and pops the FIFO).
 */
public final class Uart implements Device {
    /** The data register. */
    public static final int DATA = 0x00;
    /** The status register. */
    public static final int STATUS = 0x04;
    /** The FIFO depth register. */
    public static final int DEPTH = 0x08;
    /** The first access counter. */
    public static final int COUNTERS = 0x40;
    /** STATUS: the FIFO holds data. */
    public static final int STATUS_DR = 1;
    /** STATUS: a byte was lost since the last read of STATUS. */
    public static final int STATUS_OE = 1 << 1;
    /** STATUS: the FIFO has room. */
    public static final int STATUS_THRE = 1 << 5;
    private static final int REGISTERS = 3;

    private final byte[] fifo;
    private final ByteOrder order;
    private int head;
    private int level;
    private boolean overrun;
    private final long[] reads = new long[REGISTERS];
    private final long[] writes = new long[REGISTERS];

    /**
     * @param depth the FIFO's depth in bytes
     * @param order the byte order of its registers
     * @param input bytes waiting in the FIFO at power-on, at most {@code depth}
     */
    public Uart(int depth, ByteOrder order, byte[] input) {
        this.fifo = new byte[depth];
        this.order = order;
        for (byte b : input) {
            push(b);
        }
    }

    @Override
    public long size() {
        return 0x100;
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public long read(long offset, int size) {
        int reg = (int) (offset & ~3L);
        int index = reg / 4;
        if (reg < COUNTERS && index < REGISTERS) {
            reads[index]++;
        }
        long word = switch (reg) {
            case DATA -> byteLane(offset, size) ? pop() : 0;
            case STATUS -> status();
            case DEPTH -> fifo.length;
            default -> counter(reg);
        };
        return lane(word, offset, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        int reg = (int) (offset & ~3L);
        int index = reg / 4;
        if (reg < COUNTERS && index < REGISTERS) {
            writes[index]++;
        }
        if (reg == DATA && byteLane(offset, size)) {
            // The data byte is the register's least significant one, and an access that covers it has it as
            // its own least significant byte in either byte order.
            push((byte) value);
        }
    }

    /** @param register DATA, STATUS or DEPTH @return how many times it was read */
    public long reads(int register) {
        return reads[register / 4];
    }

    /** @param register DATA, STATUS or DEPTH @return how many times it was written */
    public long writes(int register) {
        return writes[register / 4];
    }

    /** @return bytes in the FIFO */
    public int level() {
        return level;
    }

    private int status() {
        int s = (level > 0 ? STATUS_DR : 0) | (overrun ? STATUS_OE : 0) | (level < fifo.length ? STATUS_THRE : 0) | (level << 8);
        overrun = false;
        return s;
    }

    private long counter(int reg) {
        int n = (reg - COUNTERS) / 8;
        if (reg < COUNTERS || n >= REGISTERS) {
            return 0;
        }
        return (reg - COUNTERS) % 8 == 0 ? reads[n] : writes[n];
    }

    private void push(byte b) {
        if (level == fifo.length) {
            overrun = true;
            return;
        }
        fifo[(head + level) % fifo.length] = b;
        level++;
    }

    private int pop() {
        if (level == 0) {
            return 0;
        }
        int b = fifo[head] & 0xff;
        head = (head + 1) % fifo.length;
        level--;
        return b;
    }

    /** Whether an access of {@code size} at {@code offset} covers the register's low-order byte (the data byte). */
    private boolean byteLane(long offset, int size) {
        if (size >= 4) {
            return true;
        }
        int at = (int) (offset & 3);
        int low = order == ByteOrder.LITTLE_ENDIAN ? 0 : 3;
        return low >= at && low < at + size;
    }

    /** How many bytes the accessed part sits above the register's low-order end. */
    private int laneShift(long offset, int size) {
        int at = (int) (offset & 3);
        return order == ByteOrder.LITTLE_ENDIAN ? at : 4 - at - size;
    }

    /** The part of a 32-bit register value an access of {@code size} at {@code offset} sees. */
    private long lane(long word, long offset, int size) {
        if (size >= 4) {
            return word & 0xffffffffL;
        }
        long v = word >>> (8 * laneShift(offset, size));
        return size == 2 ? v & 0xffff : v & 0xff;
    }
}
