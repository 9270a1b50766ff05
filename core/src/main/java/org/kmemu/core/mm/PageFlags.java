package org.kmemu.core.mm;

import org.kmemu.api.ZoneType;

/**
 * The layout of the per-frame {@code int} that {@link PageFrames} keeps, the emulator's
 * {@code page->flags}. As in include/linux/page-flags-layout.h, the zone number sits in the top
 * bits and the page flags in the low bits:
 *
 * <pre>
 *  31    29 28 25 24                        12 11     8 7      3    2       1         0
 * +--------+-----+----------------------------+--------+---------+------+-------+----------+
 * |  zone  |free | page state flags (PG_*)    | order  | (free)  | large|  slab | reserved |
 * +--------+-----+----------------------------+--------+---------+------+-------+----------+
 *  bit 12 locked, 13 referenced, 14 uptodate, 15 dirty, 16 lru, 17 active, 18 head, 19 writeback,
 *      20 private, 21 swapbacked, 22 unevictable, 23 mlocked, 24 anon_exclusive
 * </pre>
 * {@code order} is kept on the first page of a compound block (PG_head: a large kmalloc or any
 * {@code __GFP_COMP} allocation; the kernel keeps it in the first tail page, folio->_flags_1).
 * The bit numbers are kmemu's: the kernel's enum pageflags order differs between versions.
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

    /** PG_locked: the page is locked for I/O or a state change (lock_page/unlock_page). */
    public static final int PG_LOCKED = 1 << 12;
    /** PG_referenced: recently accessed (mark_page_accessed). */
    public static final int PG_REFERENCED = 1 << 13;
    /** PG_uptodate: the page holds valid data (filled from its backing store or zeroed). */
    public static final int PG_UPTODATE = 1 << 14;
    /** PG_dirty: must be written back before it can be dropped (set_page_dirty). */
    public static final int PG_DIRTY = 1 << 15;
    /** PG_lru: on an LRU list. */
    public static final int PG_LRU = 1 << 16;
    /** PG_active: on the active LRU list. */
    public static final int PG_ACTIVE = 1 << 17;
    /** PG_head: the first page of a compound block; its order is in {@link #order}. */
    public static final int PG_HEAD = 1 << 18;
    /** PG_writeback: being written back. */
    public static final int PG_WRITEBACK = 1 << 19;
    /** PG_private: page->private holds filesystem data. */
    public static final int PG_PRIVATE = 1 << 20;
    /** PG_swapbacked: backed by RAM or swap (anonymous and shmem pages). */
    public static final int PG_SWAPBACKED = 1 << 21;
    /** PG_unevictable: on the unevictable list. */
    public static final int PG_UNEVICTABLE = 1 << 22;
    /** PG_mlocked: mapped by an mlock()ed VMA. */
    public static final int PG_MLOCKED = 1 << 23;
    /**
     * PG_anon_exclusive: an anonymous page that is exclusive to one process, so a write fault may reuse
     * it instead of copying (include/linux/page-flags.h, 5.19+; the kernel aliases it to PG_mappedtodisk).
     */
    public static final int PG_ANON_EXCLUSIVE = 1 << 24;

    /**
     * PAGE_FLAGS_CHECK_AT_FREE (include/linux/page-flags.h, 6.x): flags a page may not carry when its
     * last reference goes; free_page_is_bad() reports them and the page is leaked.
     */
    public static final int PAGE_FLAGS_CHECK_AT_FREE = PG_LRU | PG_LOCKED | PG_PRIVATE | PG_WRITEBACK
            | PG_RESERVED | PG_ACTIVE | PG_UNEVICTABLE | PG_MLOCKED;

    /**
     * The state flags free_pages_prepare() clears on a page going back to the allocator
     * (page->flags &amp;= ~PAGE_FLAGS_CHECK_AT_PREP): every PG_* bit except PG_reserved, which boot owns,
     * and PG_slab/PG_large_kmalloc, which their owners clear.
     */
    static final int STATE_FLAGS = PG_LOCKED | PG_REFERENCED | PG_UPTODATE | PG_DIRTY | PG_LRU | PG_ACTIVE
            | PG_HEAD | PG_WRITEBACK | PG_PRIVATE | PG_SWAPBACKED | PG_UNEVICTABLE | PG_MLOCKED | PG_ANON_EXCLUSIVE;

    private static final String[] NAMES = {"reserved", "slab", "large_kmalloc", null, null, null, null, null,
        null, null, null, null, "locked", "referenced", "uptodate", "dirty", "lru", "active", "head", "writeback",
        "private", "swapbacked", "unevictable", "mlocked", "anon_exclusive"};

    /**
     * @param flags a frame's flags
     * @return the PG_* names of the set bits, joined by '|' as %pGp prints them (without the zone)
     */
    public static String names(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < NAMES.length; bit++) {
            if (NAMES[bit] != null && (flags & (1 << bit)) != 0) {
                if (sb.length() > 0) {
                    sb.append('|');
                }
                sb.append(NAMES[bit]);
            }
        }
        return sb.toString();
    }

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
