package org.kmemu.alloc.buddy;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmemu.api.ConfigView;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorEvents;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.PluginConfigs;

/** A PageAllocatorContext double and machine builders for the tests; it lends struct page words only if given some. */
record TestMachine(ConfigView config, List<ZoneSpan> zones, Set<ZoneType> configuredZones, int pageShift,
                   int cpus, KernelLog log, FreePageWords freePageWords) implements PageAllocatorContext {

    TestMachine(ConfigView config, List<ZoneSpan> zones, Set<ZoneType> configuredZones, int pageShift, int cpus, KernelLog log) {
        this(config, zones, configuredZones, pageShift, cpus, log, null);
    }

    static final Set<ZoneType> X86_64 = EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL, ZoneType.MOVABLE);
    static final Set<ZoneType> I386 = EnumSet.of(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM, ZoneType.MOVABLE);
    static final Set<ZoneType> FLAT = EnumSet.of(ZoneType.NORMAL, ZoneType.MOVABLE);

    /**
     * The plugin's reference.conf under overrides, read by the core's ConfigView.
     *
     * @param keyValues key, value, key, value ...: dotted keys under kmemu.page-allocator.buddy,
     *                  Java values ({@code "per-cpu-lists.enabled", false})
     * @return the view
     */
    static ConfigView configView(Object... keyValues) {
        Map<String, Object> overrides = new LinkedHashMap<>();
        for (int k = 0; k < keyValues.length; k += 2) {
            overrides.put((String) keyValues[k], keyValues[k + 1]);
        }
        return PluginConfigs.of(BuddyPolicy.class, "kmemu.page-allocator.buddy", overrides);
    }

    static ZoneSpan span(ZoneType type, long start, long pages) {
        return new ZoneSpan(type, start, pages, pages, pages);
    }

    /** Creates the allocator and frees every zone's whole span at boot. */
    static BuddyAllocator boot(TestMachine m) {
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m);
        for (ZoneSpan z : m.zones()) {
            a.freeBootMemory(z.startPfn(), z.managedPages());
        }
        return a;
    }

    /** Config overrides that zero the watermarks and reserves, so tests see the pure buddy. */
    static Object[] noReserves(Object... more) {
        Object[] base = {"min-free-kbytes", 0, "watermark-scale-factor", 1,
            "lowmem-reserve-ratio.dma", 0, "lowmem-reserve-ratio.dma32", 0, "lowmem-reserve-ratio.normal", 0};
        Object[] all = new Object[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /**
     * @param perCpu the per-CPU ownership check the allocator is to use
     * @param events the sink the allocator reports its fallbacks to
     * @return this machine as a context that also lends those two host services
     */
    PageAllocatorContext with(PerCpuOwnership perCpu, PageAllocatorEvents events) {
        return new WithHostServices(this, perCpu, events);
    }

    /** A TestMachine with the host services a test watches. */
    private record WithHostServices(TestMachine m, PerCpuOwnership perCpu, PageAllocatorEvents events)
            implements PageAllocatorContext {
        @Override
        public ConfigView config() {
            return m.config();
        }

        @Override
        public List<ZoneSpan> zones() {
            return m.zones();
        }

        @Override
        public Set<ZoneType> configuredZones() {
            return m.configuredZones();
        }

        @Override
        public int pageShift() {
            return m.pageShift();
        }

        @Override
        public int cpus() {
            return m.cpus();
        }

        @Override
        public KernelLog log() {
            return m.log();
        }

        @Override
        public FreePageWords freePageWords() {
            return m.freePageWords();
        }
    }
}
