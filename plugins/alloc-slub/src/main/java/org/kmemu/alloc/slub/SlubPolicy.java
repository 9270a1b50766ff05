package org.kmemu.alloc.slub;

import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabContext;
import org.pf4j.Extension;

/**
 * The "slub" object-allocator policy: Linux's SLUB (mm/slub.c, 6.x) without debugging. kmalloc uses
 * the default table of mm/slab_common.c ({@link org.kmemu.api.KmallocSizes#slabCommon}): kmalloc-8 ...
 * kmalloc-8k with -96 and -192, larger requests from the page allocator, the same on 4 KiB pages in
 * 3.x SLUB (whose 2012 i386 trace kmemu reproduces) as in 6.x. Its settings live under
 * {@code kmemu.object-allocator.slub} (see this plugin's reference.conf).
 */
@Extension
public final class SlubPolicy implements ObjectAllocatorPolicy {

    /** Called by PF4J; does no work. */
    public SlubPolicy() {
    }

    /** @return {@code "slub"} */
    @Override
    public String id() {
        return "slub";
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "SLUB of mm/slub.c: per-CPU slabs with lockless free lists kept inside the objects, "
                + "per-node partial lists, calculate_order slab sizing; kmalloc-8 ... kmalloc-8k, larger from the "
                + "page allocator";
    }

    /**
     * Reads and validates the config.
     *
     * @param context the machine's CPUs, memory and page source
     * @return a new allocator with no caches
     * @throws org.kmemu.api.ConfigException for a bad setting
     * @throws IllegalArgumentException for no CPU, a page shift below 10 or a cache line that is not a
     *                                  power of two
     */
    @Override
    public SlabAllocator create(SlabContext context) {
        SlubOptions options = SlubOptions.read(context.config());
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
        return new SlubAllocator(context, options);
    }
}
