package org.kmemu.alloc.slab;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KmallocSizes;

/**
 * SLAB's general caches as Linux 3.7 had them ({@code malloc_sizes[]} of mm/slab.c, listed by
 * include/linux/kmalloc_sizes.h, which SLAB used until it moved to the common kmalloc array in 2013):
 *
 * <ul>
 *   <li>size-32 only with 4 KiB pages ({@code #if (PAGE_SIZE == 4096)}); then size-64;</li>
 *   <li>size-96 only if L1_CACHE_BYTES &lt; 64, size-192 only if L1_CACHE_BYTES &lt; 128: on an i386
 *       kernel built for a 64-byte line there is no size-96, so 65 to 128 bytes take size-128;</li>
 *   <li>size-128, then every power of two up to size-131072, then on up to KMALLOC_MAX_SIZE =
 *       1 &lt;&lt; KMALLOC_SHIFT_HIGH, KMALLOC_SHIFT_HIGH = min(MAX_ORDER + PAGE_SHIFT - 1, 25)
 *       (include/linux/slab.h of 3.x; MAX_ORDER - 1 is kmemu's MAX_PAGE_ORDER): 4 MiB on i386.</li>
 * </ul>
 * Every kmalloc up to KMALLOC_MAX_SIZE is served by a cache ({@code __find_general_cachep} walks the
 * table to the first size that holds the request): SLAB of that era had no kmalloc_large. The DMA
 * twins are "size-N(DMA)". Cache names are "size-N" with N in bytes, as /proc/slabinfo printed them.
 */
final class MallocSizes {
    /** 2^25: the cap on KMALLOC_SHIFT_HIGH (include/linux/slab.h, 3.x). */
    static final int KMALLOC_SHIFT_CAP = 25;
    /** size-131072: the last size kmalloc_sizes.h lists unconditionally. */
    static final int ALWAYS_SHIFT = 17;

    private MallocSizes() {
    }

    /**
     * @param pageShift    PAGE_SHIFT
     * @param l1CacheBytes L1_CACHE_BYTES
     * @param maxPageOrder MAX_PAGE_ORDER (MAX_ORDER - 1 in 3.x terms)
     * @return the general caches
     */
    static KmallocSizes of(int pageShift, int l1CacheBytes, int maxPageOrder) {
        int shiftHigh = Math.min(maxPageOrder + pageShift, KMALLOC_SHIFT_CAP);
        List<Integer> sizes = new ArrayList<>();
        if (pageShift == 12) {
            sizes.add(32);
        }
        sizes.add(64);
        if (l1CacheBytes < 64) {
            sizes.add(96);
        }
        sizes.add(128);
        if (l1CacheBytes < 128) {
            sizes.add(192);
        }
        for (int shift = 8; shift <= Math.max(ALWAYS_SHIFT, shiftHigh); shift++) {
            sizes.add(1 << shift);
        }
        int n = sizes.size();
        int[] s = new int[n];
        String[] names = new String[n];
        String[] dma = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = sizes.get(i);
            names[i] = "size-" + s[i];
            dma[i] = "size-" + s[i] + "(DMA)";
        }
        return KmallocSizes.ofCaches(s, names, dma, s[n - 1]);
    }
}
