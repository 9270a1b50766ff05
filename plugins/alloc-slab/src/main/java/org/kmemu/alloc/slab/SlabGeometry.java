package org.kmemu.alloc.slab;

import org.kmemu.api.SlabFlags;

/**
 * The fixed shape of one cache's slabs, computed once by kmem_cache_create (mm/slab.c
 * __kmem_cache_create, calculate_slab_order, cache_estimate; 4.x, before OBJFREELIST_SLAB).
 *
 * <pre>
 * on-slab management (small objects, or large ones whose left-over fits the freelist):
 *   slab base                                                              base + (PAGE_SIZE &lt;&lt; order)
 *   | colour * colour_off | freelist: num x u16, ALIGN(., align) | obj 0 | obj 1 | ... | obj num-1 | left-over |
 *                         ^ page->freelist                        ^ page->s_mem
 * off-slab management (objects of at least OFF_SLAB_MIN_SIZE whose left-over cannot hold the freelist):
 *   | colour * colour_off | obj 0 | ... | obj num-1 | left-over |     freelist: num x u16 in a
 *                         ^ s_mem                                     management object elsewhere
 * </pre>
 *
 * Worked example, 4 KiB pages, 64-byte lines: a 100-byte object is word-aligned to 104;
 * order 0 holds 4096 / (104 + 2) = 38 objects, 38 * 104 = 3952 bytes, the freelist ALIGN(76, 8) = 80
 * fits in the 144 left, leaving 64: one colour. A 512-byte object is an off-slab candidate; order 0
 * holds 8 objects with nothing left over, so its 16-byte freelist lives off the slab.
 *
 * @param size         {@code cachep->size}: the aligned slot
 * @param align        {@code cachep->align}
 * @param order        {@code cachep->gfporder}
 * @param num          {@code cachep->num}: objects per slab
 * @param offSlab      CFLGS_OFF_SLAB
 * @param freelistSize {@code cachep->freelist_size}: bytes of management (aligned when on-slab)
 * @param colourOff    {@code cachep->colour_off}
 * @param colour       {@code cachep->colour}: how many colours the left-over allows
 * @param leftOver     bytes of the slab neither objects nor management use
 */
record SlabGeometry(int size, int align, int order, int num, boolean offSlab, int freelistSize, int colourOff,
                    int colour, int leftOver) {

    /** BYTES_PER_WORD (and ARCH_SLAB_MINALIGN): sizes are rounded to 8 bytes, as on 64-bit kernels. */
    static final int BYTES_PER_WORD = 8;
    /** sizeof(freelist_idx_t): 16 bits, since (PAGE_SIZE &gt;&gt; 8) &gt; SLAB_OBJ_MIN_SIZE for 4 KiB pages and up. */
    static final int IDX_BYTES = 2;
    /** SLAB_OBJ_MAX_NUM for a 16-bit freelist_idx_t. */
    static final int SLAB_OBJ_MAX_NUM = (1 << (8 * IDX_BYTES)) - 1;
    /** KMALLOC_MAX_ORDER of SLAB with 4 KiB pages: the loop bound of calculate_slab_order. */
    static final int KMALLOC_MAX_ORDER = 10;
    /** KMALLOC_MIN_SIZE of x86. */
    static final int KMALLOC_MIN_SIZE = 8;

    /**
     * @param objectSize object_size, at least 1
     * @param callerAlign the align argument of kmem_cache_create, 0 or a power of two
     * @param flags      SLAB_* flags
     * @param pageShift  PAGE_SHIFT
     * @param cacheLine  cache_line_size()
     * @param maxOrder   slab_max_order
     * @param allowOffSlab false for the allocator's own management caches (on-slab only, as SLAB
     *                     keeps caches that its off-slab freelists come from on the slab)
     * @return the geometry, or null if no order up to KMALLOC_MAX_ORDER holds an object (-E2BIG)
     */
    static SlabGeometry compute(int objectSize, int callerAlign, int flags, int pageShift, int cacheLine,
                                int maxOrder, boolean allowOffSlab) {
        int pageSize = 1 << pageShift;
        // mm/slab_common.c calculate_alignment: halve the line while the object fits twice in it.
        int align = Math.max(callerAlign, BYTES_PER_WORD);
        if ((flags & SlabFlags.SLAB_HWCACHE_ALIGN) != 0) {
            int ralign = cacheLine;
            while (objectSize <= ralign / 2) {
                ralign /= 2;
            }
            align = Math.max(align, ralign);
        }
        int size = alignUp(objectSize, BYTES_PER_WORD);
        // OFF_SLAB_MIN_SIZE = max(PAGE_SIZE >> 5, KMALLOC_MIN_SIZE + 1); 2.6 kernels used PAGE_SIZE >> 3.
        boolean offSlab = allowOffSlab && size >= Math.max(pageSize >> 5, KMALLOC_MIN_SIZE + 1);
        size = alignUp(size, align);

        int num = 0;
        int order = 0;
        int leftOver = 0;
        for (int gfporder = 0; gfporder <= KMALLOC_MAX_ORDER; gfporder++) {
            long slabSize = (long) pageSize << gfporder;
            int n = estimateNum(slabSize, size, align, offSlab);
            if (n == 0) {
                continue;
            }
            if (n > SLAB_OBJ_MAX_NUM) {
                break;
            }
            // offslab_limit: the freelist must not need a bigger management object than the object itself.
            if (offSlab && n > size / IDX_BYTES) {
                break;
            }
            num = n;
            order = gfporder;
            leftOver = (int) (slabSize - (long) n * size - (offSlab ? 0 : freelistBytes(n, align)));
            if ((flags & SlabFlags.SLAB_RECLAIM_ACCOUNT) != 0 || gfporder >= maxOrder
                    || (long) leftOver * 8 <= slabSize) {
                break;
            }
        }
        if (num == 0) {
            return null;
        }
        int freelistSize = freelistBytes(num, align);
        if (offSlab && leftOver >= freelistSize) {
            offSlab = false; // the freelist fits in the left-over: on-slab, at the cost of colours
            leftOver -= freelistSize;
        }
        if (offSlab) {
            freelistSize = num * IDX_BYTES;
        }
        int colourOff = Math.max(cacheLine, align);
        return new SlabGeometry(size, align, order, num, offSlab, freelistSize, colourOff, leftOver / colourOff,
                leftOver);
    }

    /** cache_estimate/calculate_nr_objs: objects per slab of {@code slabSize} bytes. */
    private static int estimateNum(long slabSize, int size, int align, boolean offSlab) {
        if (offSlab) {
            return (int) Math.min(slabSize / size, Integer.MAX_VALUE);
        }
        int n = (int) Math.min(slabSize / (size + IDX_BYTES), Integer.MAX_VALUE);
        if (slabSize - (long) n * size < freelistBytes(n, align)) {
            n--; // the guess ignored the freelist's padding
        }
        return n;
    }

    /** calculate_freelist_size with alignment. */
    static int freelistBytes(int num, int align) {
        return alignUp(num * IDX_BYTES, align);
    }

    static int alignUp(int x, int a) {
        return (x + a - 1) & -a;
    }

    /** @return pages per slab */
    int pagesPerSlab() {
        return 1 << order;
    }
}
