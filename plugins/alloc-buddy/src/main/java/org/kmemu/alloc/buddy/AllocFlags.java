package org.kmemu.alloc.buddy;

/**
 * The page allocator's internal {@code ALLOC_*} flags (mm/internal.h), which
 * {@code gfp_to_alloc_flags()} derives from the gfp mask and which {@code __zone_watermark_ok()} and
 * {@code __rmqueue_fallback()} read. The low bits index the zone's watermark array.
 */
final class AllocFlags {
    private AllocFlags() {
    }

    /** Watermark indices, {@code enum zone_watermarks} (include/linux/mmzone.h). */
    static final int WMARK_MIN = 0;
    static final int WMARK_LOW = 1;
    static final int WMARK_HIGH = 2;
    static final int WMARK_PROMO = 3;
    static final int NR_WMARK = 4;

    static final int ALLOC_WMARK_MIN = WMARK_MIN;
    static final int ALLOC_WMARK_LOW = WMARK_LOW;
    static final int ALLOC_WMARK_HIGH = WMARK_HIGH;
    /** Ignore the watermarks altogether (__GFP_MEMALLOC). */
    static final int ALLOC_NO_WATERMARKS = 0x04;
    static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    /** The OOM victim: may use half of what remains of min. */
    static final int ALLOC_OOM = 0x08;
    /** The caller cannot block (no __GFP_DIRECT_RECLAIM): min is cut by a further quarter. */
    static final int ALLOC_NON_BLOCK = 0x10;
    /** __GFP_HIGH: min is halved. */
    static final int ALLOC_MIN_RESERVE = 0x20;
    /** Fall back only by whole pageblocks first (alloc_flags_nofragment). */
    static final int ALLOC_NOFRAGMENT = 0x100;
    /** A high-order atomic allocation: may use the MIGRATE_HIGHATOMIC reserve. */
    static final int ALLOC_HIGHATOMIC = 0x200;

    /** Flags that may dip below min: {@code ALLOC_RESERVES} (mm/internal.h). */
    static final int ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;
}
