package org.kmemu.api;

import java.util.Set;

/**
 * GFP ("get free pages") flags: what an allocation may do and where its memory may come from.
 *
 * <p>Bit values are those of Linux 6.x, include/linux/gfp_types.h (bit 9, once __GFP_ATOMIC, is
 * unused since 6.3). Names keep the kernel's spelling so that code reads like kernel code:
 * {@code allocPages(GFP_KERNEL | __GFP_ZERO, 0)}.
 *
 * <p>The static helpers are the pure functions of include/linux/gfp.h: {@link #gfpZone} decodes the
 * zone modifiers, {@link #gfpMigratetype} the mobility hints, {@link #format} prints flags the way
 * the kernel's {@code %pGg} does.
 */
public final class Gfp {
    private Gfp() {
    }

    /** Allocate from ZONE_DMA. */
    public static final int __GFP_DMA = 0x01;
    /** The allocation may come from ZONE_HIGHMEM. */
    public static final int __GFP_HIGHMEM = 0x02;
    /** Allocate from ZONE_DMA32 (below 4 GiB). */
    public static final int __GFP_DMA32 = 0x04;
    /** The page can be migrated; with __GFP_HIGHMEM it selects ZONE_MOVABLE. */
    public static final int __GFP_MOVABLE = 0x08;
    /** The page belongs to a reclaimable slab cache. */
    public static final int __GFP_RECLAIMABLE = 0x10;
    /** High priority: may dip below the min watermark. */
    public static final int __GFP_HIGH = 0x20;
    /** May start physical I/O. */
    public static final int __GFP_IO = 0x40;
    /** May call into the filesystem. */
    public static final int __GFP_FS = 0x80;
    /** Return zeroed memory. */
    public static final int __GFP_ZERO = 0x100;
    /** May enter direct reclaim, i.e. may sleep. */
    public static final int __GFP_DIRECT_RECLAIM = 0x400;
    /** May wake kswapd. */
    public static final int __GFP_KSWAPD_RECLAIM = 0x800;
    /** The caller intends to dirty the page. */
    public static final int __GFP_WRITE = 0x1000;
    /** Do not print the allocation-failure report. */
    public static final int __GFP_NOWARN = 0x2000;
    /** Try hard, but may fail. */
    public static final int __GFP_RETRY_MAYFAIL = 0x4000;
    /** Never fail. */
    public static final int __GFP_NOFAIL = 0x8000;
    /** Fail early rather than retry. */
    public static final int __GFP_NORETRY = 0x10000;
    /** May use all reserves. */
    public static final int __GFP_MEMALLOC = 0x20000;
    /** Form a compound page. */
    public static final int __GFP_COMP = 0x40000;
    /** Never use the emergency reserves. */
    public static final int __GFP_NOMEMALLOC = 0x80000;
    /** Enforce the cpuset memory policy. */
    public static final int __GFP_HARDWALL = 0x100000;
    /** Allocate on this node only. */
    public static final int __GFP_THISNODE = 0x200000;
    /** Charge the allocation to the memory cgroup. */
    public static final int __GFP_ACCOUNT = 0x400000;
    /** Zero memory tags along with the memory. */
    public static final int __GFP_ZEROTAGS = 0x800000;

    /** __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM. */
    public static final int __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

    /** Atomic context: cannot sleep, may use some reserves. */
    public static final int GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
    /** The usual kernel allocation: may sleep, reclaim, do I/O and filesystem calls (0xcc0). */
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    /** GFP_KERNEL charged to the memory cgroup. */
    public static final int GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
    /** Cannot sleep, no reserves, no warning. */
    public static final int GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
    /** May reclaim but start no I/O. */
    public static final int GFP_NOIO = __GFP_RECLAIM;
    /** May reclaim and do I/O but not call into filesystems. */
    public static final int GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
    /** Kernel allocation on behalf of user space. */
    public static final int GFP_USER = GFP_KERNEL | __GFP_HARDWALL;
    /** Memory from ZONE_DMA. */
    public static final int GFP_DMA = __GFP_DMA;
    /** Memory from ZONE_DMA32. */
    public static final int GFP_DMA32 = __GFP_DMA32;
    /** User pages that may be highmem. */
    public static final int GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
    /** User pages that may be highmem and migrated (0x100cca; __GFP_SKIP_KASAN is 0 without KASAN_HW_TAGS). */
    public static final int GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;

    private static final int ZONE_MODIFIERS = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;

    /**
     * {@code gfp_zone()}: the highest zone an allocation with these flags may use, given the zones
     * the architecture configures. A zone the architecture lacks reads as ZONE_NORMAL, as the
     * kernel's OPT_ZONE_* macros do; ZONE_MOVABLE is configured everywhere but may be empty.
     *
     * @param gfp        the allocation's flags
     * @param configured the zone types the architecture has ({@link ArchSpec#zoneTypes()})
     * @return the zone to start the zonelist walk at
     * @throws IllegalArgumentException for the combinations GFP_ZONE_TABLE marks bad (e.g. DMA|HIGHMEM)
     */
    public static ZoneType gfpZone(int gfp, Set<ZoneType> configured) {
        ZoneType wanted;
        switch (gfp & ZONE_MODIFIERS) {
            case 0:
            case __GFP_MOVABLE:
                wanted = ZoneType.NORMAL;
                break;
            case __GFP_DMA:
            case __GFP_DMA | __GFP_MOVABLE:
                wanted = ZoneType.DMA;
                break;
            case __GFP_DMA32:
            case __GFP_DMA32 | __GFP_MOVABLE:
                wanted = ZoneType.DMA32;
                break;
            case __GFP_HIGHMEM:
                wanted = ZoneType.HIGHMEM;
                break;
            case __GFP_HIGHMEM | __GFP_MOVABLE:
                wanted = ZoneType.MOVABLE;
                break;
            default:
                throw new IllegalArgumentException("gfp_zone: " + format(gfp)
                        + " (expected: at most one of __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM)");
        }
        if (wanted == ZoneType.MOVABLE) {
            return configured.contains(ZoneType.MOVABLE) ? ZoneType.MOVABLE
                    : configured.contains(ZoneType.HIGHMEM) ? ZoneType.HIGHMEM : ZoneType.NORMAL;
        }
        return configured.contains(wanted) ? wanted : ZoneType.NORMAL;
    }

    /**
     * {@code gfp_migratetype()}: the free list an allocation prefers.
     *
     * @param gfp the allocation's flags
     * @return MOVABLE for __GFP_MOVABLE, RECLAIMABLE for __GFP_RECLAIMABLE, else UNMOVABLE
     */
    public static MigrateType gfpMigratetype(int gfp) {
        if ((gfp & __GFP_MOVABLE) != 0) {
            return MigrateType.MOVABLE;
        }
        return (gfp & __GFP_RECLAIMABLE) != 0 ? MigrateType.RECLAIMABLE : MigrateType.UNMOVABLE;
    }

    /**
     * The flags in the kernel's {@code %pGg} notation: composite names first, greedily, in the order
     * of include/trace/events/mmflags.h, then single bits, then any unnamed remainder in hex.
     * {@code format(GFP_KERNEL | __GFP_ZERO)} is {@code "GFP_KERNEL|__GFP_ZERO"}; 0 is {@code "0"}.
     *
     * @param gfp the flags
     * @return their printed form
     */
    public static String format(int gfp) {
        if (gfp == 0) {
            return "0";
        }
        StringBuilder out = new StringBuilder();
        int rest = gfp;
        for (int i = 0; i < NAMES.length; i++) {
            int mask = MASKS[i];
            if ((rest & mask) == mask) {
                if (out.length() > 0) {
                    out.append('|');
                }
                out.append(NAMES[i]);
                rest &= ~mask;
            }
        }
        if (rest != 0) {
            if (out.length() > 0) {
                out.append('|');
            }
            out.append("0x").append(Integer.toHexString(rest));
        }
        return out.toString();
    }

    // __def_gfpflag_names, include/trace/events/mmflags.h: composites before their parts.
    private static final String[] NAMES = {
        "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER", "GFP_KERNEL_ACCOUNT", "GFP_KERNEL",
        "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT", "GFP_DMA", "__GFP_HIGHMEM", "GFP_DMA32",
        "__GFP_HIGH", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL",
        "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_MEMALLOC",
        "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_ACCOUNT",
        "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_ZEROTAGS",
    };
    private static final int[] MASKS = {
        GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER, GFP_USER, GFP_KERNEL_ACCOUNT, GFP_KERNEL,
        GFP_NOFS, GFP_ATOMIC, GFP_NOIO, GFP_NOWAIT, GFP_DMA, __GFP_HIGHMEM, GFP_DMA32,
        __GFP_HIGH, __GFP_IO, __GFP_FS, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_NOFAIL,
        __GFP_NORETRY, __GFP_COMP, __GFP_ZERO, __GFP_NOMEMALLOC, __GFP_MEMALLOC,
        __GFP_HARDWALL, __GFP_THISNODE, __GFP_RECLAIMABLE, __GFP_MOVABLE, __GFP_ACCOUNT,
        __GFP_WRITE, __GFP_RECLAIM, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_ZEROTAGS,
    };
}
