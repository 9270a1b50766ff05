package org.kmemu.alloc.slab;

import org.kmemu.api.KmallocSizes;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabContext;
import org.pf4j.Extension;

/**
 * The "slab" object-allocator policy: the classic SLAB of Linux (mm/slab.c, Bonwick's design with
 * Manfred Spraul's per-CPU arrays; the default before 2.6.23, removed in 6.8). Geometry follows the
 * 4.x mm/slab.c (calculate_slab_order, OFF_SLAB_MIN_SIZE, colouring), the per-CPU and shared arrays
 * follow enable_cpucache, cache_alloc_refill and cache_flusharray. kmalloc's caches are those of Linux
 * 3.7 ({@link MallocSizes}: size-32 ... size-4194304, no kmalloc_large), the SLAB the real i386 traces
 * of 2012 ran. Settings live under
 * {@code kmemu.object-allocator.slab} (see this plugin's reference.conf).
 */
@Extension
public final class SlabPolicy implements ObjectAllocatorPolicy {

    /** Called by PF4J; does no work. */
    public SlabPolicy() {
    }

    /** @return {@code "slab"} */
    @Override
    public String id() {
        return "slab";
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "SLAB of mm/slab.c (Linux <= 6.7): per-CPU array caches with limit/batchcount and a shared "
                + "array, full/partial/free slab lists, on-/off-slab freelists of object indices, slab colouring;"
                + " kmalloc from Linux 3.7's size-32 ... size-4194304 caches";
    }

    /**
     * Reads and validates the config.
     *
     * @param context the machine's CPUs, memory and page source
     * @return a new allocator with no caches
     * @throws org.kmemu.api.ConfigException for a bad setting
     * @throws IllegalArgumentException for no CPU, a page shift outside 12..20 or a cache line that is
     *                                  not a power of two
     */
    @Override
    public SlabAllocator create(SlabContext context) {
        SlabOptions options = SlabOptions.read(context.config());
        if (context.cpus() < 1) {
            throw new IllegalArgumentException("cpus: " + context.cpus() + " (expected: at least 1)");
        }
        if (context.pageShift() < 12 || context.pageShift() > 20) {
            throw new IllegalArgumentException("pageShift: " + context.pageShift()
                    + " (expected: 12 to 20, where freelist_idx_t is 16 bits)");
        }
        int line = context.cacheLineBytes();
        if (line < 8 || Integer.bitCount(line) != 1) {
            throw new IllegalArgumentException("cacheLineBytes: " + line + " (expected: a power of two, at least 8)");
        }
        return new SlabAllocatorImpl(context, options);
    }

    /**
     * Linux 3.7's general caches ({@link MallocSizes}).
     *
     * @param context the machine
     * @return size-32 (4 KiB pages) ... size-KMALLOC_MAX_SIZE, 96 and 192 as the L1 line allows
     */
    @Override
    public KmallocSizes kmallocSizes(SlabContext context) {
        return MallocSizes.of(context.pageShift(), context.cacheLineBytes(), context.maxPageOrder());
    }
}
