package org.kmemu.api;

/**
 * A named range of the kernel's virtual address space, such as "vmalloc" or "pkmap", as the i386
 * kernel's "virtual kernel memory layout" boot message lists them.
 *
 * @param name  the kernel's name for the area: "fixmap", "pkmap", "vmalloc", "lowmem", "direct map", ...
 * @param start first virtual address (unsigned)
 * @param end   first address past the area (unsigned; 0 means the top of the address space)
 */
public record VirtualArea(String name, long start, long end) {

    /** @return the size of the area in bytes */
    public long sizeBytes() {
        return end - start;
    }

    /**
     * @param vaddr a virtual address
     * @return whether it lies inside this area (unsigned comparison)
     */
    public boolean contains(long vaddr) {
        return Long.compareUnsigned(vaddr, start) >= 0
                && (end == 0 || Long.compareUnsigned(vaddr, end) < 0);
    }
}
