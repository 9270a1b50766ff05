package org.kmemu.api;

/**
 * The kernel's {@code enum zone_type} (include/linux/mmzone.h), lowest first. Which of them exist is
 * the architecture's choice ({@link ArchSpec#zoneTypes()}); their order is the zonelist order read
 * backwards: an allocation that may use zone Z falls back to the populated zones below Z.
 */
public enum ZoneType {
    /** ZONE_DMA: the ISA DMA range, below 16 MiB on x86. */
    DMA("DMA"),
    /** ZONE_DMA32: below 4 GiB, 64-bit only. */
    DMA32("DMA32"),
    /** ZONE_NORMAL: directly mapped memory. */
    NORMAL("Normal"),
    /** ZONE_HIGHMEM: memory above the direct map on 32-bit machines. */
    HIGHMEM("HighMem"),
    /** ZONE_MOVABLE: pages that may be migrated (only movable allocations). */
    MOVABLE("Movable");

    private final String kernelName;

    ZoneType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** @return the name in {@code zone_names[]}, as /proc prints it: "DMA", "DMA32", "Normal", "HighMem", "Movable" */
    public String kernelName() {
        return kernelName;
    }

    /** @return whether the kernel counts this zone as highmem for watermarks and lowmem_reserve ({@code is_highmem_idx}) */
    public boolean isHighmem() {
        return this == HIGHMEM || this == MOVABLE;
    }
}
