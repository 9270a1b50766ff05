package org.kmemu.alloc.slob;

import org.kmemu.api.KmallocSizes;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabContext;
import org.pf4j.Extension;

/**
 * The "slob" object-allocator policy: Linux's SLOB (mm/slob.c as of 6.3, the last release that had
 * it; removed in 6.4). A K&amp;R-style heap of single pages shared by every cache, with free blocks
 * described in place by {@code slob_t} units and address-ordered first fit inside a page. kmalloc has
 * no size classes: a request takes its size plus an 8-byte header from the same heap, or whole pages
 * from PAGE_SIZE - 8 bytes up (the same rules, and trace values, as the 3.x SLOB of 2012). A SLOB
 * kernel has no /proc/slabinfo. Its config
 * subtree {@code kmemu.object-allocator.slob} is empty: SLOB had no tunables (see reference.conf).
 */
@Extension
public final class SlobPolicy implements ObjectAllocatorPolicy {

    /** Called by PF4J; does no work. */
    public SlobPolicy() {
    }

    /** @return {@code "slob"} */
    @Override
    public String id() {
        return "slob";
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "SLOB of mm/slob.c (Linux <= 6.3): pages shared by all caches on small/medium/large lists, "
                + "next-fit page search, first fit within a page with slob_t headers in the free blocks, "
                + "objects of PAGE_SIZE and up straight from the page allocator; kmalloc without size classes";
    }

    /**
     * Reads the config and validates the machine.
     *
     * @param context the machine's CPUs, memory and page source
     * @return a new allocator with no caches
     * @throws org.kmemu.api.ConfigException for a bad setting
     * @throws IllegalArgumentException for no CPU, a page shift outside 10 to 20 or a cache line that
     *                                  is not a power of two
     */
    @Override
    public SlabAllocator create(SlabContext context) {
        SlobOptions options = SlobOptions.read(context.config());
        if (context.cpus() < 1) {
            throw new IllegalArgumentException("cpus: " + context.cpus() + " (expected: at least 1)");
        }
        if (context.pageShift() < 10 || context.pageShift() > 20) {
            throw new IllegalArgumentException("pageShift: " + context.pageShift() + " (expected: 10 to 20)");
        }
        int line = context.cacheLineBytes();
        if (line < 8 || Integer.bitCount(line) != 1) {
            throw new IllegalArgumentException("cacheLineBytes: " + line + " (expected: a power of two, at least 8)");
        }
        return new SlobAllocator(context, options);
    }

    /**
     * No size classes: requests below PAGE_SIZE - ARCH_KMALLOC_MINALIGN go to {@link SlobAllocator#kmalloc}
     * and take 8 bytes more; larger ones get PAGE_SIZE &lt;&lt; get_order(size) from the page allocator
     * (mm/slob.c __do_kmalloc_node), up to the page allocator's largest order.
     *
     * @param context the machine
     * @return the table
     */
    @Override
    public KmallocSizes kmallocSizes(SlabContext context) {
        long pageSize = 1L << context.pageShift();
        return KmallocSizes.withoutCaches(pageSize - SlobAllocator.ARCH_KMALLOC_MINALIGN - 1,
                SlobAllocator.ARCH_KMALLOC_MINALIGN, pageSize << context.maxPageOrder());
    }

    /** @return false: SLOB kernels had no /proc/slabinfo (mm/slab_common.c builds it for SLAB and SLUB) */
    @Override
    public boolean procSlabinfo() {
        return false;
    }
}
