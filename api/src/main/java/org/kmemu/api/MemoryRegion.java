package org.kmemu.api;

/**
 * One entry of the physical memory map: {@code [start, start + size)} of one {@link RegionType}.
 *
 * @param start first physical address
 * @param size  length in bytes, greater than zero
 * @param type  what the range holds
 */
public record MemoryRegion(long start, long size, RegionType type) {

    /** Checks that the range is non-empty and does not wrap. */
    public MemoryRegion {
        if (start < 0 || size <= 0 || start + size < start) {
            throw new IllegalArgumentException(String.format(
                    "memory region start 0x%x size 0x%x (expected: size > 0 and no wrap)", start, size));
        }
        if (type == null) {
            throw new IllegalArgumentException("memory region type: null");
        }
    }

    /** @return the first address past the region */
    public long end() {
        return start + size;
    }

    /** @return the region as the kernel prints ranges: {@code [mem 0x...-0x...] usable} (end inclusive) */
    @Override
    public String toString() {
        return String.format("[mem %#018x-%#018x] %s", start, end() - 1, type.e820Name());
    }
}
