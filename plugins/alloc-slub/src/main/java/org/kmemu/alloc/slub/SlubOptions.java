package org.kmemu.alloc.slub;

import org.kmemu.api.ConfigView;

/**
 * SLUB's boot parameters, read once from {@code kmemu.object-allocator.slub} (defaults in this plugin's
 * reference.conf) and validated when the machine is created.
 *
 * @param minOrder   slab_min_order
 * @param maxOrder   slab_max_order
 * @param minObjects slab_min_objects, or {@link #AUTO}
 */
record SlubOptions(int minOrder, int maxOrder, int minObjects) {

    /** slab_min_objects = 0: computed from the number of CPUs (mm/slub.c calculate_order). */
    static final int AUTO = 0;

    /** The largest max-order accepted: MAX_PAGE_ORDER of the default 6.x configuration. */
    static final int MAX_PAGE_ORDER = 10;

    /**
     * @param config the policy's subtree
     * @return the validated options
     * @throws org.kmemu.api.ConfigException for a missing or out-of-range value
     */
    static SlubOptions read(ConfigView config) {
        int maxOrder = config.getInt("max-order");
        if (maxOrder < 0 || maxOrder > MAX_PAGE_ORDER) {
            throw config.error("max-order", maxOrder + " (expected: 0 to " + MAX_PAGE_ORDER + ")");
        }
        int minOrder = config.getInt("min-order");
        if (minOrder < 0 || minOrder > maxOrder) {
            throw config.error("min-order", minOrder + " (expected: 0 to max-order " + maxOrder + ")");
        }
        int minObjects = config.getInt("min-objects");
        if (minObjects < 0 || minObjects > SlabGeometry.MAX_OBJS_PER_PAGE) {
            throw config.error("min-objects", minObjects + " (expected: 0 for auto, or 1 to "
                    + SlabGeometry.MAX_OBJS_PER_PAGE + ")");
        }
        return new SlubOptions(minOrder, maxOrder, minObjects);
    }
}
