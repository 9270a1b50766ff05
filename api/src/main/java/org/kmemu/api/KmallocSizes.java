package org.kmemu.api;

import java.util.Arrays;

/**
 * kmalloc's size classes and limits under one object-allocator policy, as the kernel version that
 * policy models had them. The core asks the policy once at boot
 * ({@link ObjectAllocatorPolicy#kmallocSizes}) and keeps the front end: argument checks, ZERO_SIZE_PTR,
 * the choice of class, {@code kmalloc_large} and the trace events.
 *
 * <p>Two shapes:
 * <ul>
 *   <li><b>Caches</b> ({@link #ofCaches}): a request of 1 to {@link #maxCacheSize()} bytes takes an object
 *       from the smallest cache at least that big. That is both {@code kmalloc_index()} of
 *       include/linux/slab.h (SLUB; SLAB from 3.9) and the walk of {@code malloc_sizes[]} in 3.x
 *       mm/slab.c {@code __find_general_cachep()}. The core creates one cache per class at boot (named
 *       {@link #name}, and {@link #dmaName} when the machine has ZONE_DMA) with {@link SlabFlags#SLAB_KMALLOC}.</li>
 *   <li><b>No classes</b> ({@link #withoutCaches}): SLOB. {@link SlabAllocator#kmalloc} serves 1 to
 *       {@link #maxCacheSize()} bytes itself, each allocation taking the request plus {@link #header()}
 *       bytes (what the kmalloc trace event reports as bytes_alloc).</li>
 * </ul>
 * Requests above {@link #maxCacheSize()} and up to {@link #maxSize()} (KMALLOC_MAX_SIZE) are
 * {@code kmalloc_large}: PAGE_SIZE &lt;&lt; get_order(size) bytes straight from the page allocator. When
 * the two are equal (SLAB of 3.x) there is no such path. Larger requests fail.
 *
 * <p>Immutable; the arrays handed in are copied.
 */
public final class KmallocSizes {
    private final int[] sizes;
    private final String[] names;
    private final String[] dmaNames;
    private final long maxCacheSize;
    private final long maxSize;
    private final int header;

    private KmallocSizes(int[] sizes, String[] names, String[] dmaNames, long maxCacheSize, long maxSize, int header) {
        this.sizes = sizes;
        this.names = names;
        this.dmaNames = dmaNames;
        this.maxCacheSize = maxCacheSize;
        this.maxSize = maxSize;
        this.header = header;
    }

    /**
     * kmalloc served by caches.
     *
     * @param sizes    the classes' object sizes, ascending, at least one
     * @param names    each class's cache name, e.g. "kmalloc-96" or "size-96"
     * @param dmaNames each class's GFP_DMA cache name, e.g. "dma-kmalloc-96" or "size-96(DMA)"
     * @param maxSize  KMALLOC_MAX_SIZE: at least the largest class; above the largest class and up to this,
     *                 kmalloc takes pages from the page allocator
     * @return the table
     * @throws IllegalArgumentException for sizes not ascending or not positive, names missing or repeated,
     *                                  or a maxSize below the largest class
     */
    public static KmallocSizes ofCaches(int[] sizes, String[] names, String[] dmaNames, long maxSize) {
        int n = sizes.length;
        if (n == 0 || names.length != n || dmaNames.length != n) {
            throw new IllegalArgumentException("sizes: " + n + " classes, " + names.length + " names, " + dmaNames.length
                    + " DMA names (expected: at least one class, one name and one DMA name each)");
        }
        for (int i = 0; i < n; i++) {
            if (sizes[i] < 1 || (i > 0 && sizes[i] <= sizes[i - 1])) {
                throw new IllegalArgumentException("sizes: " + Arrays.toString(sizes) + " (expected: positive, ascending)");
            }
            if (names[i] == null || names[i].isEmpty() || dmaNames[i] == null || dmaNames[i].isEmpty()) {
                throw new IllegalArgumentException("names of class " + sizes[i] + ": " + names[i] + ", " + dmaNames[i]
                        + " (expected: non-empty)");
            }
        }
        if (Arrays.stream(names).distinct().count() != n || Arrays.stream(dmaNames).distinct().count() != n) {
            throw new IllegalArgumentException("names: " + Arrays.toString(names) + " " + Arrays.toString(dmaNames)
                    + " (expected: each name once)");
        }
        if (maxSize < sizes[n - 1]) {
            throw new IllegalArgumentException("maxSize: " + maxSize + " (expected: at least the largest class, "
                    + sizes[n - 1] + ")");
        }
        return new KmallocSizes(sizes.clone(), names.clone(), dmaNames.clone(), sizes[n - 1], maxSize, 0);
    }

    /**
     * kmalloc without size classes, served by {@link SlabAllocator#kmalloc} (SLOB).
     *
     * @param maxCacheSize the largest request the policy serves; larger ones are kmalloc_large
     * @param header       bytes each allocation takes beyond the request (SLOB: ARCH_KMALLOC_MINALIGN)
     * @param maxSize      KMALLOC_MAX_SIZE, at least maxCacheSize
     * @return the table
     * @throws IllegalArgumentException for a maxCacheSize below 1, a negative header or maxSize below maxCacheSize
     */
    public static KmallocSizes withoutCaches(long maxCacheSize, int header, long maxSize) {
        if (maxCacheSize < 1 || header < 0 || maxSize < maxCacheSize) {
            throw new IllegalArgumentException("maxCacheSize " + maxCacheSize + ", header " + header + ", maxSize " + maxSize
                    + " (expected: 1 <= maxCacheSize <= maxSize, header >= 0)");
        }
        return new KmallocSizes(new int[0], new String[0], new String[0], maxCacheSize, maxSize, header);
    }

    /**
     * The kmalloc table of mm/slab_common.c and include/linux/slab.h as SLUB uses it (unchanged from
     * 3.x to 6.x): kmalloc-8 (or KMALLOC_MIN_SIZE) doubling to KMALLOC_MAX_CACHE_SIZE = 1 &lt;&lt;
     * (PAGE_SHIFT + 1) (KMALLOC_SHIFT_HIGH), plus kmalloc-96 if KMALLOC_MIN_SIZE &lt;= 32 and kmalloc-192 if
     * it is &lt;= 64; dma-kmalloc-* for GFP_DMA; KMALLOC_MAX_SIZE = PAGE_SIZE &lt;&lt; MAX_PAGE_ORDER.
     *
     * @param pageShift      PAGE_SHIFT
     * @param kmallocMinSize KMALLOC_MIN_SIZE, a power of two from 8
     * @param maxPageOrder   MAX_PAGE_ORDER (the largest order the page allocator hands out)
     * @return the table
     */
    public static KmallocSizes slabCommon(int pageShift, int kmallocMinSize, int maxPageOrder) {
        if (kmallocMinSize < 8 || Integer.bitCount(kmallocMinSize) != 1 || kmallocMinSize > 1 << (pageShift + 1)) {
            throw new IllegalArgumentException("kmallocMinSize: " + kmallocMinSize + " (expected: a power of two, 8 to 2 pages)");
        }
        int high = pageShift + 1;
        int low = Integer.numberOfTrailingZeros(kmallocMinSize);
        int n = high - low + 1 + (kmallocMinSize <= 32 ? 1 : 0) + (kmallocMinSize <= 64 ? 1 : 0);
        int[] sizes = new int[n];
        int i = 0;
        for (int shift = low; shift <= high; shift++) {
            int size = 1 << shift;
            if (size == 128 && kmallocMinSize <= 32) {
                sizes[i++] = 96;
            }
            if (size == 256 && kmallocMinSize <= 64) {
                sizes[i++] = 192;
            }
            sizes[i++] = size;
        }
        String[] names = new String[n];
        String[] dma = new String[n];
        for (int k = 0; k < n; k++) {
            names[k] = "kmalloc-" + shortSize(sizes[k]);
            dma[k] = "dma-kmalloc-" + shortSize(sizes[k]);
        }
        return ofCaches(sizes, names, dma, 1L << (pageShift + maxPageOrder));
    }

    /** @return "96", "1k", "8k": how mm/slab_common.c names kmalloc caches (multiples of 1024 in k) */
    private static String shortSize(int size) {
        return size >= 1024 && size % 1024 == 0 ? (size >> 10) + "k" : Integer.toString(size);
    }

    /** @return whether kmalloc is served by caches (false: by {@link SlabAllocator#kmalloc}) */
    public boolean hasCaches() {
        return sizes.length > 0;
    }

    /** @return the number of classes (0 without caches) */
    public int classes() {
        return sizes.length;
    }

    /** @param i a class, 0 to {@link #classes()} - 1 @return its object size */
    public int size(int i) {
        return sizes[i];
    }

    /** @param i a class @return its cache's name */
    public String name(int i) {
        return names[i];
    }

    /** @param i a class @return its GFP_DMA cache's name */
    public String dmaName(int i) {
        return dmaNames[i];
    }

    /**
     * The class a request uses: the smallest at least {@code size} bytes.
     *
     * @param size 1 to {@link #maxCacheSize()}
     * @return the class, or -1 without caches or for a size beyond the largest
     */
    public int classOf(long size) {
        int lo = 0;
        int hi = sizes.length - 1;
        if (hi < 0 || size > sizes[hi]) {
            return -1;
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sizes[mid] < size) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** @return KMALLOC_MAX_CACHE_SIZE: the largest request not served by kmalloc_large */
    public long maxCacheSize() {
        return maxCacheSize;
    }

    /** @return KMALLOC_MAX_SIZE: the largest request kmalloc serves at all */
    public long maxSize() {
        return maxSize;
    }

    /** @return bytes a class-less kmalloc takes beyond the request (0 with caches) */
    public int header() {
        return header;
    }

    @Override
    public String toString() {
        return hasCaches() ? "kmalloc caches " + Arrays.toString(names) + ", KMALLOC_MAX_SIZE " + maxSize
                : "kmalloc without caches up to " + maxCacheSize + " (+" + header + "), KMALLOC_MAX_SIZE " + maxSize;
    }
}
