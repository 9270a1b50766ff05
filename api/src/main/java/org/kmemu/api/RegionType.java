package org.kmemu.api;

/**
 * What a range of physical addresses holds, as a firmware memory map (x86's e820) describes it.
 * Only {@link #USABLE} ranges become page frames the kernel may allocate.
 */
public enum RegionType {
    /** e820 "usable": RAM the kernel may use; /proc/iomem "System RAM". */
    USABLE("usable", "System RAM"),
    /** e820 "reserved": RAM or ROM the firmware keeps; /proc/iomem "Reserved". */
    RESERVED("reserved", "Reserved"),
    /** e820 "ACPI data": firmware tables, reclaimable after boot; /proc/iomem "ACPI Tables". */
    ACPI("ACPI data", "ACPI Tables"),
    /** A device's MMIO window, not RAM; /proc/iomem names it after the bus. */
    DEVICE("device", "PCI Bus 0000:00");

    private final String e820Name;
    private final String iomemName;

    RegionType(String e820Name, String iomemName) {
        this.e820Name = e820Name;
        this.iomemName = iomemName;
    }

    /** @return the name the boot log's "BIOS-e820:" lines print */
    public String e820Name() {
        return e820Name;
    }

    /** @return the name /proc/iomem prints for such a range */
    public String iomemName() {
        return iomemName;
    }
}
