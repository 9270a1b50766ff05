package org.kmemu.core.mm;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.kmemu.api.Device;

/**
 * The devices on the physical bus: each one's register window {@code [base, base + size)}, sorted and
 * disjoint. {@link PhysicalMemory} asks it, off its RAM fast path, which device an address belongs to.
 *
 * <p>Byte order: the CPU's value is turned into bytes on the bus in the CPU's order and the device reads
 * those bytes in its own ({@link Device#byteOrder()}), so when the two differ the value is swapped. An
 * access that is not naturally aligned is split into single bytes, as a bus without unaligned transfers
 * would need.
 */
public final class DeviceWindows {
    /** No devices. */
    public static final DeviceWindows NONE = new DeviceWindows(List.of());

    private final Window[] windows;

    /**
     * @param windows the windows in any order
     * @throws IllegalArgumentException if two overlap, naming both
     */
    public DeviceWindows(List<Window> windows) {
        List<Window> sorted = new ArrayList<>(windows);
        sorted.sort(Comparator.comparingLong(Window::base));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).base < sorted.get(i - 1).end()) {
                throw new IllegalArgumentException("device windows overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
            }
        }
        this.windows = sorted.toArray(new Window[0]);
    }

    /** @return the windows, sorted by base */
    public List<Window> windows() {
        return List.of(windows);
    }

    /**
     * @param paddr a physical address
     * @return the window that holds it, or null
     */
    public Window find(long paddr) {
        for (Window w : windows) {
            if (paddr >= w.base && paddr < w.end()) {
                return w;
            }
        }
        return null;
    }

    /**
     * One device at its base address.
     */
    public static final class Window {
        private final String name;
        private final long base;
        private final long size;
        private final Device device;
        private final boolean bigEndian;

        /**
         * @param name   the device's name for messages and /proc/iomem (its type id)
         * @param base   first physical address
         * @param device the device
         */
        public Window(String name, long base, Device device) {
            this.name = name;
            this.base = base;
            this.size = device.size();
            this.device = device;
            this.bigEndian = device.byteOrder() == ByteOrder.BIG_ENDIAN;
            if (size <= 0 || base < 0 || base + size < base) {
                throw new IllegalArgumentException(String.format("device %s at %#x: window size %#x (expected: > 0, no wrap)", name, base, size));
            }
        }

        /** @return the device's name */
        public String name() {
            return name;
        }

        /** @return the first physical address */
        public long base() {
            return base;
        }

        /** @return one past the last physical address */
        public long end() {
            return base + size;
        }

        /** @return the device */
        public Device device() {
            return device;
        }

        /** @return whether {@code [paddr, paddr + size)} lies inside the window */
        boolean contains(long paddr, int len) {
            return paddr >= base && paddr + len <= end();
        }

        /**
         * @param paddr     the address, inside the window
         * @param len       1, 2, 4 or 8
         * @param cpuBigEndian the CPU's byte order
         * @return the value as the CPU sees it, in its byte order
         */
        long read(long paddr, int len, boolean cpuBigEndian) {
            long off = paddr - base;
            if ((off & (len - 1)) != 0) {
                long v = 0;
                for (int i = 0; i < len; i++) {
                    long b = device.read(off + i, 1) & 0xffL;
                    v |= cpuBigEndian ? b << (8 * (len - 1 - i)) : b << (8 * i);
                }
                return v;
            }
            long v = device.read(off, len);
            return cpuBigEndian == bigEndian ? v : swap(v, len);
        }

        /**
         * @param paddr        the address, inside the window
         * @param len          1, 2, 4 or 8
         * @param value        the value in the CPU's byte order
         * @param cpuBigEndian the CPU's byte order
         */
        void write(long paddr, int len, long value, boolean cpuBigEndian) {
            long off = paddr - base;
            if ((off & (len - 1)) != 0) {
                for (int i = 0; i < len; i++) {
                    int shift = cpuBigEndian ? 8 * (len - 1 - i) : 8 * i;
                    device.write(off + i, 1, (value >>> shift) & 0xff);
                }
                return;
            }
            device.write(off, len, mask(cpuBigEndian == bigEndian ? value : swap(value, len), len));
        }

        private static long mask(long v, int len) {
            return len == 8 ? v : v & ((1L << (8 * len)) - 1);
        }

        /** The value's low {@code len} bytes in the opposite order. */
        static long swap(long v, int len) {
            return switch (len) {
                case 1 -> v & 0xff;
                case 2 -> Short.reverseBytes((short) v) & 0xffffL;
                case 4 -> Integer.reverseBytes((int) v) & 0xffffffffL;
                default -> Long.reverseBytes(v);
            };
        }

        @Override
        public String toString() {
            return String.format("%s [mem %#010x-%#010x]", name, base, end() - 1);
        }
    }
}
