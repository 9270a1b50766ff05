package org.kmemu.core.machine;

import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.core.mm.DeviceWindows;

/**
 * Builds the boot-time resource tree behind /proc/iomem: one top-level entry per firmware map region
 * (arch/x86/kernel/e820.c {@code e820__reserve_resources}) and, inside the System RAM that holds it,
 * the kernel image's "Kernel code", "Kernel rodata", "Kernel data" and "Kernel bss"
 * (arch/x86/kernel/setup.c), and the devices' windows. Region names are {@link org.kmemu.api.RegionType#iomemName()}.
 */
final class Iomem {
    private Iomem() {
    }

    static Resource build(MemoryMap map, KernelImage image, DeviceWindows devices) {
        Resource root = new Resource("iomem", 0, -1L);
        for (MemoryRegion r : map.regions()) {
            Resource res = new Resource(r.type().iomemName(), r.start(), r.end() - 1);
            if (markBusy(r)) {
                res.markBusy();
            }
            root.request(res);
        }
        // Each device's window, nested in the reserved range that holds it (or at the top in a hole), as
        // a platform device's resource is inserted by platform_device_add (drivers/base/platform.c).
        for (DeviceWindows.Window w : devices.windows()) {
            root.request(new Resource(w.name(), w.base(), w.end() - 1));
        }
        request(root, "Kernel code", image.textStart(), image.textEnd());
        request(root, "Kernel rodata", image.rodataStart(), image.rodataEnd());
        request(root, "Kernel data", image.dataStart(), image.dataEnd());
        request(root, "Kernel bss", image.bssStart(), image.bssEnd());
        return root;
    }

    private static void request(Resource root, String name, long start, long end) {
        if (end > start) {
            // code_resource and the others are IORESOURCE_BUSY | IORESOURCE_SYSTEM_RAM (arch/x86/kernel/setup.c)
            Resource r = new Resource(name, start, end - 1);
            r.markBusy();
            root.request(r);
        }
    }

    /**
     * e820's {@code do_mark_busy()} (arch/x86/kernel/e820.c): everything below 1 MiB (the BIOS and the legacy
     * ROM/MMIO window), RAM and ACPI are busy, so no driver can claim them; "Reserved" above 1 MiB is not,
     * so that drivers can claim device ranges the firmware reserved. A device's window is not busy either: its
     * driver claims inside it.
     */
    private static boolean markBusy(MemoryRegion r) {
        if (r.start() < (1L << 20)) {
            return true;
        }
        return r.type() == org.kmemu.api.RegionType.USABLE || r.type() == org.kmemu.api.RegionType.ACPI;
    }
}
