package org.kmemu.api;

/**
 * The kernel's migrate types (include/linux/mmzone.h, 6.x order), which split each free area into
 * lists so that unmovable allocations cluster in few pageblocks. Names are {@code migratetype_names[]}
 * as /proc/pagetypeinfo prints them. CMA is not modelled.
 */
public enum MigrateType {
    /** MIGRATE_UNMOVABLE (0): kernel allocations that stay put. */
    UNMOVABLE("Unmovable"),
    /** MIGRATE_MOVABLE (1): user pages and page cache. */
    MOVABLE("Movable"),
    /** MIGRATE_RECLAIMABLE (2): slab caches that a shrinker can free. */
    RECLAIMABLE("Reclaimable"),
    /** MIGRATE_HIGHATOMIC (3, = MIGRATE_PCPTYPES): reserve for high-order atomic allocations. */
    HIGHATOMIC("HighAtomic"),
    /** MIGRATE_ISOLATE: pageblocks taken out of use (memory offlining, CMA). */
    ISOLATE("Isolate");

    /** MIGRATE_PCPTYPES: the types that have per-CPU lists and that gfp flags can ask for. */
    public static final int PCPTYPES = 3;

    private final String kernelName;

    MigrateType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** @return the name in {@code migratetype_names[]} */
    public String kernelName() {
        return kernelName;
    }
}
