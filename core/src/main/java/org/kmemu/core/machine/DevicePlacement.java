package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ConfigException;
import org.kmemu.api.Device;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.core.mm.DeviceWindows;
import org.kmemu.core.mm.PhysicalMemory;

/**
 * Checks where the config puts each device and builds the bus's {@link DeviceWindows}. A device belongs in a
 * hole of the memory map or in a range the firmware reserves (as the PCI hole below 4G is, on a PC); a window
 * over RAM (usable or ACPI) or over another device is a config error naming the entry's file and line.
 *
 * <p>One rule is kmemu's own: a window may not share a {@value PhysicalMemory#CHUNK_SIZE}-byte chunk of the
 * RAM store with usable RAM, so that a chunk that exists is all RAM and loads from RAM never ask for
 * devices ({@link PhysicalMemory}'s fast path). Real holes (the PCI hole, e500's CCSR) are far larger.
 */
public final class DevicePlacement {

    /**
     * A device instance with the config entry that placed it.
     *
     * @param name   its name: the device type id
     * @param base   the window's first physical address
     * @param device the instance
     * @param origin {@code file:line} of the entry
     * @param key    the entry's key, e.g. {@code kmemu.devices[0]}
     */
    public record Placed(String name, long base, Device device, String origin, String key) {
    }

    private DevicePlacement() {
    }

    /**
     * @param map             the machine's (sanitized) memory map
     * @param devices         the devices as configured
     * @param physAddressBits the architecture's physical address width
     * @return the windows
     * @throws ConfigException for a window over RAM, over another device, or beyond the physical address space
     */
    public static DeviceWindows place(MemoryMap map, List<Placed> devices, int physAddressBits) {
        List<DeviceWindows.Window> windows = new ArrayList<>();
        List<Placed> done = new ArrayList<>();
        long limit = physAddressBits >= 63 ? Long.MAX_VALUE : 1L << physAddressBits;
        for (Placed p : devices) {
            long size = p.device().size();
            String where = p.origin() + ": " + p.key() + ": " + p.name() + " at " + range(p.base(), size);
            if (size <= 0) {
                throw new ConfigException(where + ": the device's window is empty (expected: a device type with registers)");
            }
            if (p.base() < 0 || p.base() + size > limit || p.base() + size < p.base()) {
                throw new ConfigException(where + String.format(": beyond the %d-bit physical address space (expected: below %#x)",
                        physAddressBits, limit));
            }
            long end = p.base() + size;
            for (MemoryRegion r : map.regions()) {
                boolean ram = r.type() == RegionType.USABLE || r.type() == RegionType.ACPI;
                if (ram && p.base() < r.end() && r.start() < end) {
                    throw new ConfigException(where + ": over " + r.type().iomemName() + " " + r
                            + " (expected: a hole or a reserved range of the memory map)");
                }
                long chunkStart = p.base() & -(long) PhysicalMemory.CHUNK_SIZE;
                long chunkEnd = (end + PhysicalMemory.CHUNK_SIZE - 1) & -(long) PhysicalMemory.CHUNK_SIZE;
                if (r.type() == RegionType.USABLE && chunkStart < r.end() && r.start() < chunkEnd) {
                    throw new ConfigException(where + String.format(": within the same %d MiB block as RAM %s (expected: a base"
                            + " at least that far from RAM; kmemu keeps device windows and RAM in separate blocks)",
                            PhysicalMemory.CHUNK_SIZE >> 20, r));
                }
            }
            for (Placed q : done) {
                if (p.base() < q.base() + q.device().size() && q.base() < end) {
                    throw new ConfigException(where + ": over " + q.name() + " at " + range(q.base(), q.device().size())
                            + " (" + q.origin() + ") (expected: devices that do not overlap)");
                }
            }
            done.add(p);
            windows.add(new DeviceWindows.Window(p.name(), p.base(), p.device()));
        }
        return new DeviceWindows(windows);
    }

    private static String range(long base, long size) {
        return String.format("[mem %#010x-%#010x]", base, base + size - 1);
    }
}
