package org.kmemu.alloc.slab;

import org.kmemu.api.ConfigView;

/**
 * SLAB's boot parameters and enable_cpucache defaults, read once from
 * {@code kmemu.object-allocator.slab} (defaults in this plugin's reference.conf).
 *
 * @param maxOrder         slab_max_order
 * @param sharedFactor     the {@code shared} enable_cpucache gives small caches on SMP (0: none)
 * @param batchRefillLimit BATCHREFILL_LIMIT
 */
record SlabOptions(int maxOrder, int sharedFactor, int batchRefillLimit) {

    /** MAX_ORDER - 1 of the default configuration: the largest slab_max_order= accepted. */
    static final int MAX_PAGE_ORDER = 10;

    /**
     * @param config the policy's subtree
     * @return the validated options
     * @throws org.kmemu.api.ConfigException for a missing or out-of-range value
     */
    static SlabOptions read(ConfigView config) {
        int maxOrder = config.getInt("max-order");
        if (maxOrder < 0 || maxOrder > MAX_PAGE_ORDER) {
            throw config.error("max-order", maxOrder + " (expected: 0 to " + MAX_PAGE_ORDER + ")");
        }
        int shared = config.getInt("shared-factor");
        if (shared < 0 || shared > 64) {
            throw config.error("shared-factor", shared + " (expected: 0 to 64)");
        }
        int refill = config.getInt("batchrefill-limit");
        if (refill < 1 || refill > 1024) {
            throw config.error("batchrefill-limit", refill + " (expected: 1 to 1024)");
        }
        return new SlabOptions(maxOrder, shared, refill);
    }
}
