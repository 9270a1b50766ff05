package org.kmemu.alloc.buddy;

import org.kmemu.api.ConfigView;
import org.kmemu.api.ZoneType;

/**
 * The buddy allocator's settings, read once from {@code kmemu.page-allocator.buddy} (defaults in this
 * plugin's reference.conf) and validated before boot.
 *
 * @param maxOrder             MAX_PAGE_ORDER, inclusive
 * @param pageblockOrder       pageblock_order, 1..maxOrder
 * @param minFreeKbytes        vm.min_free_kbytes, or {@link #AUTO}
 * @param watermarkScaleFactor vm.watermark_scale_factor
 * @param lowmemReserveRatio   vm.lowmem_reserve_ratio indexed by {@link ZoneType#ordinal()}
 * @param pcpEnabled           whether order-0 pages go through per-CPU lists
 * @param pcpBatch             pcp->batch, or {@link #AUTO} for zone_batchsize()
 * @param pcpHigh              fixed pcp high_min = high_max, or {@link #AUTO} for zone_highsize()
 * @param pcpBatchScaleMax     CONFIG_PCP_BATCH_SCALE_MAX
 */
record BuddyOptions(int maxOrder, int pageblockOrder, long minFreeKbytes, int watermarkScaleFactor,
                    int[] lowmemReserveRatio, boolean pcpEnabled, int pcpBatch, int pcpHigh,
                    int pcpBatchScaleMax) {

    /** A setting computed from the zones, as the kernel does when no sysctl overrides it. */
    static final int AUTO = -1;

    /**
     * @param config the policy's subtree
     * @return the validated options
     * @throws org.kmemu.api.ConfigException for a missing or out-of-range value
     */
    static BuddyOptions read(ConfigView config) {
        int maxOrder = config.getInt("max-order");
        if (maxOrder < 1 || maxOrder > PageState.MAX_ENCODABLE_ORDER) {
            throw config.error("max-order", maxOrder + " (expected: 1 to " + PageState.MAX_ENCODABLE_ORDER + ")");
        }
        int pageblockOrder = config.getInt("pageblock-order");
        if (pageblockOrder < 1 || pageblockOrder > maxOrder) {
            throw config.error("pageblock-order", pageblockOrder + " (expected: 1 to max-order " + maxOrder + ")");
        }
        long minFreeKbytes = autoOrLong(config, "min-free-kbytes", 0, Integer.MAX_VALUE);
        int scale = config.getInt("watermark-scale-factor");
        if (scale < 1 || scale > 3000) {
            // mm/page_alloc.c vm_table: watermark_scale_factor, extra1 = SYSCTL_ONE, extra2 = 3000
            throw config.error("watermark-scale-factor", scale + " (expected: 1 to 3000)");
        }
        ConfigView ratios = config.getConfig("lowmem-reserve-ratio");
        int[] ratio = new int[ZoneType.values().length];
        for (ZoneType type : ZoneType.values()) {
            String key = type.kernelName().toLowerCase(java.util.Locale.ROOT);
            int value = ratios.getInt(key);
            if (value < 0) {
                throw config.error("lowmem-reserve-ratio." + key, value + " (expected: 0 or more)");
            }
            ratio[type.ordinal()] = value;
        }
        ConfigView pcp = config.getConfig("per-cpu-lists");
        boolean pcpEnabled = pcp.getBoolean("enabled");
        int batch = (int) autoOrLong(pcp, "batch", 1, 1 << 24);
        int high = (int) autoOrLong(pcp, "high", 1, 1 << 30);
        int scaleMax = pcp.getInt("batch-scale-max");
        if (scaleMax < 0 || scaleMax > 6) {
            throw pcp.error("batch-scale-max", scaleMax + " (expected: 0 to 6, as mm/Kconfig PCP_BATCH_SCALE_MAX)");
        }
        if (batch != AUTO && high != AUTO && high < batch) {
            throw pcp.error("high", high + " (expected: at least batch " + batch + ")");
        }
        return new BuddyOptions(maxOrder, pageblockOrder, minFreeKbytes, scale, ratio, pcpEnabled, batch, high,
                scaleMax);
    }

    private static long autoOrLong(ConfigView config, String key, long min, long max) {
        String text = config.getString(key).trim();
        if (text.equals("auto")) {
            return AUTO;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw config.error(key, text + " (expected: auto or a whole number)");
        }
        if (value < min || value > max) {
            throw config.error(key, value + " (expected: auto or " + min + " to " + max + ")");
        }
        return value;
    }
}
