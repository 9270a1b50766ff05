package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.RegionType;

/**
 * The core's own settings for one machine, read and type-checked from {@code kmemu.*} before boot.
 * Values that need the architecture to be checked (page multiples, the physical address limit) keep
 * their origin so that boot can still name the file and line.
 *
 * @param archId          {@code kmemu.machine.arch}
 * @param archOrigin      where that was set
 * @param pageAllocatorId {@code kmemu.machine.page-allocator}
 * @param allocatorOrigin where that was set
 * @param objectAllocatorId     {@code kmemu.machine.object-allocator}
 * @param objectAllocatorOrigin where that was set
 * @param cpus            {@code kmemu.cpus}
 * @param memory          the RAM size or explicit map
 * @param kernel          the kernel image's section sizes
 * @param clock           {@code kmemu.clock}: the modelled costs that advance each CPU's clock
 * @param copyPath        {@code kmemu.uaccess.copy-path}: how copy_to_user and copy_from_user reach user pages
 */
public record MachineConfig(String archId, String archOrigin, String pageAllocatorId, String allocatorOrigin,
                            String objectAllocatorId, String objectAllocatorOrigin,
                            int cpus, MemorySpec memory, KernelImageSpec kernel, ClockSpec clock,
                            UaccessCopyPath copyPath) {

    /**
     * How copy_to_user and copy_from_user reach user pages ({@code kmemu.uaccess.copy-path}).
     */
    public enum UaccessCopyPath {
        /** Through the CPU's MMU, as every kernel with user space mapped beside the kernel does. */
        DIRECT("direct"),
        /**
         * i386's 4G/4G split (Ingo Molnar's 2003 patch): get_user_pages + kmap_atomic + memcpy per page, as
         * when user space is not mapped while the kernel runs. Same results, different counts.
         */
        GUP_KMAP("gup-kmap");

        private final String key;

        UaccessCopyPath(String key) {
            this.key = key;
        }

        /** @return the value as the config file spells it */
        public String key() {
            return key;
        }
    }

    /**
     * A machine with the direct uaccess copy path.
     *
     * @param archId                the architecture plugin's id
     * @param archOrigin            where it was set
     * @param pageAllocatorId       the page allocator policy's id
     * @param allocatorOrigin       where it was set
     * @param objectAllocatorId     the object allocator policy's id
     * @param objectAllocatorOrigin where it was set
     * @param cpus                  the CPU count
     * @param memory                the RAM size or explicit map
     * @param kernel                the kernel image's section sizes
     * @param clock                 the modelled costs
     */
    public MachineConfig(String archId, String archOrigin, String pageAllocatorId, String allocatorOrigin,
            String objectAllocatorId, String objectAllocatorOrigin, int cpus, MemorySpec memory, KernelImageSpec kernel,
            ClockSpec clock) {
        this(archId, archOrigin, pageAllocatorId, allocatorOrigin, objectAllocatorId, objectAllocatorOrigin, cpus, memory,
                kernel, clock, UaccessCopyPath.DIRECT);
    }

    /** Upper bound of {@code kmemu.cpus}: x86's NR_CPUS maximum (arch/x86/Kconfig, MAXSMP). */
    static final int MAX_CPUS = 8192;

    /**
     * @param config the resolved configuration
     * @return the parsed settings
     * @throws ConfigException naming the file and line of a bad value
     */
    public static MachineConfig parse(ResolvedConfig config) {
        ConfigView k = config.view("kmemu");
        Config c = config.config();
        int cpus = k.getInt("cpus");
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw k.error("cpus", cpus + " (expected: 1 to " + MAX_CPUS + ")");
        }
        return new MachineConfig(
                k.getString("machine.arch"), Origins.of(c, "kmemu.machine.arch"),
                k.getString("machine.page-allocator"), Origins.of(c, "kmemu.machine.page-allocator"),
                k.getString("machine.object-allocator"), Origins.of(c, "kmemu.machine.object-allocator"),
                cpus, memory(k, c), kernel(k), clock(k, c), copyPath(k));
    }

    private static UaccessCopyPath copyPath(ConfigView k) {
        String v = k.getString("uaccess.copy-path");
        for (UaccessCopyPath p : UaccessCopyPath.values()) {
            if (p.key().equals(v)) {
                return p;
            }
        }
        throw k.error("uaccess.copy-path", v + " (expected: direct or gup-kmap)");
    }

    /** The longest single cost: a second per operation is surely a unit mistake (1s for 1ns). */
    static final long MAX_COST_NANOS = 1_000_000_000L;

    private static ClockSpec clock(ConfigView k, Config c) {
        long[] costs = new long[ClockSpec.KEYS.length];
        for (int i = 0; i < costs.length; i++) {
            String key = "clock." + ClockSpec.KEYS[i];
            try {
                costs[i] = c.getDuration("kmemu." + key, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (com.typesafe.config.ConfigException e) {
                throw k.error(key, TypesafeConfigView.render(c.getValue("kmemu." + key)) + " (expected: a duration such as 40ns)");
            }
            if (costs[i] < 0 || costs[i] > MAX_COST_NANOS) {
                throw k.error(key, costs[i] + "ns (expected: a duration from 0ns to 1s)");
            }
        }
        return new ClockSpec(costs[0], costs[1], costs[2], costs[3], costs[4], costs[5]);
    }

    private static MemorySpec memory(ConfigView k, Config c) {
        ConfigValue mapValue = c.getValue("kmemu.memory.map");
        if (!(mapValue instanceof ConfigList list)) {
            throw k.error("memory.map", TypesafeConfigView.render(mapValue) + " (expected: a list of { start, size, type })");
        }
        List<RegionSpec> regions = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue entry = list.get(i);
            String where = Origins.describe(entry.origin());
            if (!(entry instanceof ConfigObject obj)) {
                throw new ConfigException(where + ": kmemu.memory.map: " + TypesafeConfigView.render(entry)
                        + " (expected: { start = 0x100000, size = 1G, type = usable })");
            }
            ConfigView r = new TypesafeConfigView(obj.toConfig(), "", "kmemu.memory.map[" + i + "]");
            for (String key : obj.keySet()) {
                if (!key.equals("start") && !key.equals("size") && !key.equals("type")) {
                    throw new ConfigException(Origins.describe(obj.get(key).origin()) + ": kmemu.memory.map[" + i + "]." + key
                            + ": unknown key (expected one of: size, start, type)");
                }
            }
            regions.add(new RegionSpec(r.getAddress("start"), r.getBytes("size"), r.getEnum(RegionType.class, "type"), where));
        }
        long size = regions.isEmpty() ? k.getBytes("memory.size") : 0;
        String origin = regions.isEmpty() ? Origins.of(c, "kmemu.memory.size") : Origins.of(c, "kmemu.memory.map");
        if (regions.isEmpty() && size <= 0) {
            throw k.error("memory.size", size + " (expected: a positive memory size such as 4G)");
        }
        int poison = k.getInt("memory.poison");
        if (poison < 0 || poison > 0xff) {
            throw k.error("memory.poison", poison + " (expected: a byte value, 0 to 255)");
        }
        return new MemorySpec(size, List.copyOf(regions), origin, (byte) poison);
    }

    private static KernelImageSpec kernel(ConfigView k) {
        long[] sizes = new long[KernelImageSpec.SECTIONS.length];
        for (int i = 0; i < sizes.length; i++) {
            String key = "kernel." + KernelImageSpec.SECTIONS[i];
            sizes[i] = k.getBytes(key);
            if (sizes[i] < 0) {
                throw k.error(key, sizes[i] + " (expected: a size of at least 0)");
            }
        }
        if (sizes[0] == 0) {
            throw k.error("kernel.text", "0 (expected: a kernel with some code)");
        }
        return new KernelImageSpec(sizes[0], sizes[1], sizes[2], sizes[3], sizes[4]);
    }

    /**
     * The machine's RAM: a size the architecture lays out, or an explicit map.
     *
     * @param sizeBytes {@code kmemu.memory.size}, used when {@code regions} is empty
     * @param regions   {@code kmemu.memory.map} entries
     * @param origin    where the one that applies was set
     * @param poison    {@code kmemu.memory.poison}: what never-written RAM reads as
     */
    public record MemorySpec(long sizeBytes, List<RegionSpec> regions, String origin, byte poison) {
    }

    /**
     * One {@code kmemu.memory.map} entry with its origin.
     *
     * @param start  first physical address
     * @param size   length in bytes
     * @param type   what it holds
     * @param origin {@code file:line} of the entry
     */
    public record RegionSpec(long start, long size, RegionType type, String origin) {
    }

    /**
     * What each operation costs in emulated time, in nanoseconds ({@code kmemu.clock}; the defaults and
     * why they are what they are are in core's reference.conf).
     *
     * @param accessNanos    a load, store or fetch the TLB serves ({@code access})
     * @param tlbMissNanos   a TLB miss: walk or refill ({@code tlb-miss})
     * @param pageAllocNanos alloc_pages and friends, per call ({@code page-alloc})
     * @param pageFreeNanos  __free_pages and friends, per call ({@code page-free})
     * @param slabAllocNanos kmalloc, kmem_cache_alloc, per call ({@code slab-alloc})
     * @param slabFreeNanos  kfree, kmem_cache_free, per call ({@code slab-free})
     */
    public record ClockSpec(long accessNanos, long tlbMissNanos, long pageAllocNanos, long pageFreeNanos,
                            long slabAllocNanos, long slabFreeNanos) {
        static final String[] KEYS = {"access", "tlb-miss", "page-alloc", "page-free", "slab-alloc", "slab-free"};
    }

    /**
     * Sizes of the kernel image's sections, in link order.
     *
     * @param text   .text, "Kernel code" in /proc/iomem
     * @param rodata .rodata
     * @param data   .data, "Kernel data"
     * @param init   .init.*, freed after boot in Linux (kept reserved here: kmemu stops at boot)
     * @param bss    .bss
     */
    public record KernelImageSpec(long text, long rodata, long data, long init, long bss) {
        static final String[] SECTIONS = {"text", "rodata", "data", "init", "bss"};
    }
}
