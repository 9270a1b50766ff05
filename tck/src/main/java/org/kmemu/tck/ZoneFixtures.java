package org.kmemu.tck;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.api.ConfigView;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;

/**
 * Small machines for page allocator contract tests, shaped like the real ones but a few thousand
 * pages big so that exhaustive checks stay fast.
 */
public final class ZoneFixtures {
    private ZoneFixtures() {
    }

    /**
     * The context the core would hand a policy.
     *
     * @param config          the policy's config
     * @param zones           populated zones, lowest first
     * @param configuredZones zone types the architecture has
     * @param pageShift       PAGE_SHIFT
     * @param cpus            CPU count
     * @param log             the kernel log
     * @param freePageWords   the struct page words lent to the policy, or null for none
     */
    public record Context(ConfigView config, List<ZoneSpan> zones, Set<ZoneType> configuredZones, int pageShift,
                          int cpus, KernelLog log, FreePageWords freePageWords) implements PageAllocatorContext {

        /**
         * A context that lends no struct page words (the policy keeps its own), as before the machine lent them.
         *
         * @param config          the policy's config
         * @param zones           populated zones, lowest first
         * @param configuredZones zone types the architecture has
         * @param pageShift       PAGE_SHIFT
         * @param cpus            CPU count
         * @param log             the kernel log
         */
        public Context(ConfigView config, List<ZoneSpan> zones, Set<ZoneType> configuredZones, int pageShift,
                       int cpus, KernelLog log) {
            this(config, zones, configuredZones, pageShift, cpus, log, null);
        }
    }

    /** @return i386-like zones: DMA [1, 4096), Normal [4096, 16384), HighMem [16384, 32768); first MiB reserved */
    public static List<ZoneSpan> i386() {
        return List.of(new ZoneSpan(ZoneType.DMA, 1, 4095, 4095, 4095 - 255),
                new ZoneSpan(ZoneType.NORMAL, 4096, 12288, 12288, 12288),
                new ZoneSpan(ZoneType.HIGHMEM, 16384, 16384, 16384, 16384));
    }

    /** @return the zone types of i386 */
    public static Set<ZoneType> i386Types() {
        return EnumSet.of(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM, ZoneType.MOVABLE);
    }

    /** @return x86_64-like zones: DMA [1, 4096), DMA32 [4096, 20480), Normal [20480, 36864) */
    public static List<ZoneSpan> x86_64() {
        return List.of(new ZoneSpan(ZoneType.DMA, 1, 4095, 4095, 4095 - 255),
                new ZoneSpan(ZoneType.DMA32, 4096, 16384, 16384, 16384),
                new ZoneSpan(ZoneType.NORMAL, 20480, 16384, 16384, 16384));
    }

    /** @return the zone types of x86_64 */
    public static Set<ZoneType> x86_64Types() {
        return EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL, ZoneType.MOVABLE);
    }

    /**
     * @param zone a zone span
     * @return the first pfn boot frees in it: managed pages sit at the top of the span
     */
    public static long firstManagedPfn(ZoneSpan zone) {
        return zone.endPfn() - zone.managedPages();
    }
}
