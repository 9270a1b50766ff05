package org.kmemu.api;

/**
 * A populated zone as boot computed it, with the kernel's three page counts.
 *
 * @param type          which zone
 * @param startPfn      zone_start_pfn: the first present pfn in the zone
 * @param spannedPages  end pfn minus start pfn, holes included
 * @param presentPages  pages of RAM in the span, holes excluded
 * @param managedPages  present pages less those reserved at boot (kernel image, mem_map, firmware):
 *                      exactly the pages boot hands to the page allocator
 */
public record ZoneSpan(ZoneType type, long startPfn, long spannedPages, long presentPages, long managedPages) {

    /** @return the first pfn past the zone's span */
    public long endPfn() {
        return startPfn + spannedPages;
    }

    /**
     * @param pfn a page frame number
     * @return whether it lies within the zone's span
     */
    public boolean contains(long pfn) {
        return pfn >= startPfn && pfn < startPfn + spannedPages;
    }
}
