package org.kmemu.alloc.slub;

import org.kmemu.api.SlabFlags;

/**
 * The pure arithmetic of a SLUB cache's shape: alignment (mm/slab_common.c calculate_alignment), the
 * object slot and free-pointer offset (mm/slub.c calculate_sizes) and the slab order
 * (mm/slub.c calculate_order / calc_slab_order, 6.x). No state; every method is a function of its
 * arguments so that tests can tabulate them.
 *
 * <p>Worked example, 4 KiB pages, 4 CPUs, default limits (min_objects = 4 * (fls(4) + 1) = 16):
 * kmalloc-512 has size 512; max_objects = (4096 << 3) / 512 = 64, so min_objects stays 16;
 * min_order = get_order(16 * 512 = 8192) = 1; calc_slab_order(512, 1, 3, 16) stops at order 1
 * (8192 % 512 = 0 ≤ 8192 / 16), giving 16 objects in an order-1 slab.
 */
final class SlabGeometry {
    private SlabGeometry() {
    }

    /** MAX_OBJS_PER_PAGE: slab->objects is 15 bits wide (mm/slub.c). */
    static final int MAX_OBJS_PER_PAGE = 32767;

    /** sizeof(void *): the free pointer is stored as a 64-bit word (see the plugin's notes on 32-bit). */
    static final int POINTER_BYTES = 8;

    /** ARCH_SLAB_MINALIGN = __alignof__(unsigned long long) (include/linux/slab.h). */
    static final int ARCH_SLAB_MINALIGN = 8;

    /** SLAB_TYPESAFE_BY_RCU (include/linux/slab.h, 6.x before 6.9): keeps the free pointer out of the object. */
    static final int SLAB_TYPESAFE_BY_RCU = 0x80000;

    /** MIN_PARTIAL and MAX_PARTIAL of mm/slub.c: bounds of s->min_partial. */
    static final int MIN_PARTIAL = 5;
    static final int MAX_PARTIAL = 10;

    /** @return fls(x): the 1-based index of the highest set bit, 0 for 0 */
    static int fls(long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }

    /** @return get_order(size): the smallest order whose block holds size bytes (size ≥ 1) */
    static int getOrder(long size, int pageShift) {
        return fls((size - 1) >>> pageShift);
    }

    /** @return order_objects(): objects of {@code size} bytes in a slab of {@code order} */
    static int orderObjects(int order, int size, int pageShift) {
        return (int) (((long) 1 << (pageShift + order)) / size);
    }

    /**
     * calculate_alignment (mm/slab_common.c): SLAB_HWCACHE_ALIGN asks for the cache line, halved while
     * the object fits in half of it; never below ARCH_SLAB_MINALIGN, rounded up to a pointer.
     */
    static int calculateAlignment(int flags, int align, int objectSize, int cacheLineBytes) {
        return calculateAlignment(flags, align, objectSize, cacheLineBytes, POINTER_BYTES);
    }

    /** calculate_alignment(), then at least a word (sizeof(void *)) as calculate_sizes needs. */
    static int calculateAlignment(int flags, int align, int objectSize, int cacheLineBytes, int pointerBytes) {
        if ((flags & SlabFlags.SLAB_HWCACHE_ALIGN) != 0) {
            int ralign = cacheLineBytes;
            while (objectSize <= ralign / 2) {
                ralign /= 2;
            }
            align = Math.max(align, ralign);
        }
        align = Math.max(align, ARCH_SLAB_MINALIGN);
        return alignUp(align, pointerBytes);
    }

    /** min_objects of calculate_order: slab_min_objects, or 4 * (fls(nr_cpus) + 1). */
    static int minObjects(SlubOptions options, int cpus) {
        if (options.minObjects() != SlubOptions.AUTO) {
            return options.minObjects();
        }
        return 4 * (fls(cpus) + 1);
    }

    /**
     * calc_slab_order: the first order from minOrder up whose leftover is at most 1/fract of the slab;
     * maxOrder + 1 when none is.
     */
    static int calcSlabOrder(int size, int minOrder, int maxOrder, int fract, int pageShift) {
        int order;
        for (order = minOrder; order <= maxOrder; order++) {
            long slabSize = 1L << (pageShift + order);
            long rem = slabSize % size;
            if (rem <= slabSize / fract) {
                break;
            }
        }
        return order;
    }

    /**
     * calculate_order of 6.x (the single-loop version with fractions 16, 8, 4 and 2).
     *
     * @return the order, or -1 (the kernel's -ENOSYS) when even get_order(size) exceeds MAX_PAGE_ORDER
     */
    static int calculateOrder(int size, int cpus, SlubOptions options, int pageShift) {
        int minObjects = minObjects(options, cpus);
        int maxObjects = Math.max(orderObjects(options.maxOrder(), size, pageShift), 1);
        minObjects = Math.min(minObjects, maxObjects);
        int minOrder = Math.max(options.minOrder(), getOrder((long) minObjects * size, pageShift));
        if (orderObjects(minOrder, size, pageShift) > MAX_OBJS_PER_PAGE) {
            return getOrder((long) size * MAX_OBJS_PER_PAGE, pageShift) - 1;
        }
        for (int fraction = 16; fraction > 1; fraction /= 2) {
            int order = calcSlabOrder(size, minOrder, options.maxOrder(), fraction, pageShift);
            if (order <= options.maxOrder()) {
                return order;
            }
        }
        int order = getOrder(size, pageShift);
        return order <= SlubOptions.MAX_PAGE_ORDER ? order : -1;
    }

    /** @return s->min_partial = clamp(ilog2(size) / 2, MIN_PARTIAL, MAX_PARTIAL) (kmem_cache_open) */
    static int minPartial(int size) {
        int ilog2 = 31 - Integer.numberOfLeadingZeros(size);
        return Math.max(MIN_PARTIAL, Math.min(MAX_PARTIAL, ilog2 / 2));
    }

    /**
     * Whether calculate_sizes moves the free pointer after the object: the object's first words may
     * not be overwritten on free when a constructor initialised them, with SLAB_TYPESAFE_BY_RCU, when
     * poisoning fills the object, or when a red zone leaves no room for a word.
     */
    static boolean freePointerOutside(int flags, int objectSize, boolean hasCtor, int pointerBytes) {
        return hasCtor
                || (flags & (SLAB_TYPESAFE_BY_RCU | SlabFlags.SLAB_POISON)) != 0
                || ((flags & SlabFlags.SLAB_RED_ZONE) != 0 && objectSize < pointerBytes);
    }

    static int alignUp(int x, int a) {
        return (x + a - 1) & -a;
    }

    static int alignDown(int x, int a) {
        return x & -a;
    }
}
