package org.kmemu.core.mm;

import org.kmemu.api.ZoneType;

/**
 * The layout of the per-frame {@code int} that {@link PageFrames} keeps, the emulator's
 * {@code page->flags}. As in include/linux/page-flags-layout.h, the zone number sits in the top
 * bits and the page flags in the low bits:
 *
 * <pre>
 *  31      29 28                         1          0
 * +----------+----------------------------+----------+
 * |   zone   |   (free for later flags)   | reserved |
 * +----------+----------------------------+----------+
 * </pre>
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
