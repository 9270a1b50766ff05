package org.kmemu.alloc.slob;

import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabContext;
import org.pf4j.Extension;

/**
 * The "slob" object-allocator policy: Linux's SLOB (mm/slob.c as of 6.3, the last release that had
 * it; removed in 6.4). A K&amp;R-style heap of single pages shared by every cache, with free blocks
 * described in place by {@code slob_t} units and address-ordered first fit inside a page. Its config
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
                + "objects of PAGE_SIZE and up straight from the page allocator";
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
}
