package org.kmemu.api;

import java.nio.ByteOrder;

/**
 * One device instance on the machine's physical bus: a window of memory-mapped registers (MMIO) at the
 * base address the config gives it. A CPU load or store that lands in the window becomes a call here, with
 * the offset from the window's start; what the device does then (pop a FIFO, count an access, copy by DMA)
 * is its side effect, exactly as on hardware, where a read of a data register is not idempotent.
 *
 * <p><b>Byte order.</b> A device has its own endianness ({@link #byteOrder()}): the value passed to
 * {@link #write} and returned by {@link #read} is the register's value as the device interprets the bytes
 * on the bus. The host converts: a CPU store puts the value's bytes on the bus in the CPU's order, so a
 * little-endian device under a big-endian CPU (e500) sees a plain store swapped, as real PCI devices do.
 *
 * <p><b>Who calls it.</b> The host, on the thread of the CPU that made the access (a run owns all its CPUs
 * on one thread, so one device is never entered by two threads at once), for accesses of 1, 2, 4 or 8
 * bytes that lie wholly inside the window and are naturally aligned. Bulk copies arrive as 1-byte accesses.
 *
 * <p><b>Failure.</b> {@code read} and {@code write} must not throw for an offset inside the window; a
 * register the device does not implement reads as the device chooses (usually 0) and ignores writes.
 *
 * @since 1.2
 */
public interface Device {

    /**
     * @return the size of the register window in bytes (a positive multiple of 8 is usual); constant
     * @since 1.2
     */
    long size();

    /**
     * @return the byte order the device interprets multi-byte register values in; constant
     * @since 1.2
     */
    ByteOrder byteOrder();

    /**
     * A load from a register.
     *
     * @param offset the offset from the window's start, aligned to {@code size}
     * @param size   1, 2, 4 or 8
     * @return the value, in the low {@code size} bytes (higher bits are ignored)
     * @since 1.2
     */
    long read(long offset, int size);

    /**
     * A store to a register.
     *
     * @param offset the offset from the window's start, aligned to {@code size}
     * @param size   1, 2, 4 or 8
     * @param value  the value, in the low {@code size} bytes
     * @since 1.2
     */
    void write(long offset, int size, long value);

    /**
     * Called once when the device is placed on the bus, before any access: gives a DMA-capable device the
     * machine's physical memory. Default: ignores it.
     *
     * @param bus the machine's physical address space
     * @since 1.2
     */
    default void attach(PhysicalBus bus) {
    }
}
