package org.kmemu.arch.x86_64;

import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * The highest RAM page frame below a limit, by the rule of e820_end_pfn() in
 * arch/x86/kernel/e820.c: walk the sorted RAM entries; an entry starting at or above the limit is
 * skipped; the first entry that crosses the limit ends the walk at the limit; the result is finally
 * capped at MAX_ARCH_PFN (MAXMEM >> PAGE_SHIFT on x86_64). The kernel prints
 * "last_pfn = %#lx max_arch_pfn = %#lx" for each call.
 */
final class E820EndPfn {

    private E820EndPfn() {
    }

    /**
     * @param map        the memory map
     * @param limitPfn   the first pfn not to report
     * @param maxArchPfn MAX_ARCH_PFN
     * @return last_pfn
     */
    static long endPfn(MemoryMap map, long limitPfn, long maxArchPfn) {
        long last = 0;
        for (MemoryRegion r : map.regions()) {
            if (r.type() != RegionType.USABLE) {
                continue;
            }
            long startPfn = r.start() >>> X86_64Layout.PAGE_SHIFT;
            long endPfn = r.end() >>> X86_64Layout.PAGE_SHIFT;
            if (startPfn >= limitPfn) {
                continue;
            }
            if (endPfn > limitPfn) {
                last = limitPfn;
                break;
            }
            last = Math.max(last, endPfn);
        }
        return Math.min(last, maxArchPfn);
    }

    /** @return the kernel's line for one call */
    static String message(long lastPfn, long maxArchPfn) {
        return String.format("last_pfn = %#x max_arch_pfn = %#x", lastPfn, maxArchPfn);
    }
}
