package org.kmemu.core.mm;

import org.kmemu.api.ZoneType;

/**
 * The layout of the per-frame {@code int} that {@link PageFrames} keeps, the emulator's
 * {@code page->flags}. As in include/linux/page-flags-layout.h, the zone number sits in the top
 * bits and the page flags in the low bits:
 *
 * <pre>
 *  31      29 28         12 11     8 7      3    2       1         0
 * +----------+-------------+--------+---------+------+-------+----------+
 * |   zone   |   (free)    | order  | (free)  | large|  slab | reserved |
 * +----------+-------------+--------+---------+------+-------+----------+
 * </pre>
 * {@code order} is kept on the first page of a large kmalloc (the kernel's compound order).
 */
public final class PageFlags {
    private PageFlags() {
    }

    /**
     * PG_reserved: the frame is not managed by the page allocator (a hole, the kernel image,
     * mem_map, firmware). Set on every frame at init, cleared when boot frees the frame
     * (include/linux/page-flags.h; mm/mm_init.c {@code __free_pages_core}).
     */
    public static final int PG_RESERVED = 1;

    /** PG_slab: the frame belongs to a slab (include/linux/page-flags.h). */
    public static final int PG_SLAB = 1 << 1;

    /** The first frame of a large kmalloc (PageLargeKmalloc, 6.x); its order is in {@link #order}. */
    public static final int PG_LARGE_KMALLOC = 1 << 2;

    static final int ORDER_SHIFT = 8;
    static final int ORDER_MASK = 0xf;

    /**
     * @param flags a frame's flags
     * @return the compound order stored on a large kmalloc's first frame
     */
    public static int order(int flags) {
        return (flags >>> ORDER_SHIFT) & ORDER_MASK;
    }

    /** ZONES_PGSHIFT: where the zone number starts. */
    static final int ZONE_SHIFT = 29;
    static final int ZONE_MASK = 0x7;

    /**
     * @param flags a frame's flags
     * @return {@code page_zonenum()}
     */
    public static ZoneType zone(int flags) {
        return ZONES[(flags >>> ZONE_SHIFT) & ZONE_MASK];
    }

    /**
     * @param flags a frame's flags
     * @param zone  the zone to record
     * @return the flags with the zone number set ({@code set_page_zone})
     */
    static int withZone(int flags, ZoneType zone) {
        return (flags & ~(ZONE_MASK << ZONE_SHIFT)) | (zone.ordinal() << ZONE_SHIFT);
    }

    private static final ZoneType[] ZONES = ZoneType.values();
}
