package com.example.kmemu.tlsf;

import java.util.Locale;
import org.kmemu.api.ConfigView;
import org.kmemu.api.ZoneType;

/**
 * The policy's settings, read once from {@code kmemu.page-allocator.tlsf} (defaults and their meaning
 * in this plugin's reference.conf) and validated before boot; a bad value is a
 * {@link org.kmemu.api.ConfigException} naming the key and where it was set.
 *
 * @param maxOrder             the largest order served, inclusive
 * @param pageblockOrder       pageblock_order, for /proc/pagetypeinfo
 * @param secondLevelLog2      SLI, the paper's log2 of second-level lists
 * @param minFreeKbytes        vm.min_free_kbytes, or {@link #AUTO}
 * @param watermarkScaleFactor vm.watermark_scale_factor
 * @param lowmemReserveRatio   vm.lowmem_reserve_ratio by ZoneType ordinal
 */
record TlsfOptions(int maxOrder, int pageblockOrder, int secondLevelLog2, long minFreeKbytes,
                   int watermarkScaleFactor, int[] lowmemReserveRatio) {

    /** A value computed from the zones, as the kernel does when no sysctl sets it. */
    static final long AUTO = -1;
    /** The largest max-order: a block's order fits in its tag ({@link PageTag}), and buddyinfo stays readable. */
    static final int MAX_MAX_ORDER = 15;

    /**
     * @param config the policy's subtree
     * @return the validated settings
     */
    static TlsfOptions read(ConfigView config) {
        int maxOrder = config.getInt("max-order");
        if (maxOrder < 1 || maxOrder > MAX_MAX_ORDER) {
            throw config.error("max-order", maxOrder + " (expected: 1 to " + MAX_MAX_ORDER + ")");
        }
        int pageblockOrder = config.getInt("pageblock-order");
        if (pageblockOrder < 1 || pageblockOrder > maxOrder) {
            throw config.error("pageblock-order", pageblockOrder + " (expected: 1 to max-order " + maxOrder + ")");
        }
        int sli = config.getInt("second-level-log2");
        if (sli < 1 || sli > 5) {
            throw config.error("second-level-log2", sli + " (expected: 1 to 5)");
        }
        long minFreeKbytes = minFreeKbytes(config);
        int scale = config.getInt("watermark-scale-factor");
        if (scale < 1 || scale > 3000) {
            // mm/page_alloc.c: watermark_scale_factor's sysctl range is 1 to 3000.
            throw config.error("watermark-scale-factor", scale + " (expected: 1 to 3000)");
        }
        ConfigView ratios = config.getConfig("lowmem-reserve-ratio");
        int[] ratio = new int[ZoneType.values().length];
        for (ZoneType type : ZoneType.values()) {
            String key = type.kernelName().toLowerCase(Locale.ROOT);
            int value = ratios.getInt(key);
            if (value < 0) {
                throw ratios.error(key, value + " (expected: 0 or more)");
            }
            ratio[type.ordinal()] = value;
        }
        return new TlsfOptions(maxOrder, pageblockOrder, sli, minFreeKbytes, scale, ratio);
    }

    private static long minFreeKbytes(ConfigView config) {
        String text = config.getString("min-free-kbytes").trim();
        if (text.equals("auto")) {
            return AUTO;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw config.error("min-free-kbytes", text + " (expected: auto or a whole number of kB)");
        }
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw config.error("min-free-kbytes", value + " (expected: auto or 0 to " + Integer.MAX_VALUE + ")");
        }
        return value;
    }
}
