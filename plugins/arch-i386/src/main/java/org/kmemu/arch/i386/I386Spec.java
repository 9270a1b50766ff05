package org.kmemu.arch.i386;

import java.nio.ByteOrder;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.ZoneType;
import org.kmemu.x86.firmware.PcE820Map;

/**
 * A configured i386 machine: little-endian, 4 KiB pages, 32-bit virtual addresses, 32 or 36 physical
 * bits, zones DMA / Normal / HighMem. The build-time areas are computed once here; {@link #layout}
 * adds the memory map. Immutable and thread-safe.
 */
final class I386Spec implements ArchSpec {
    /** MAX_DMA_PFN: the ISA DMA limit, 16 MiB in pages (arch/x86/include/asm/dma.h). */
    static final long MAX_DMA_PFN = (16L << 20) >> FixedAreas.PAGE_SHIFT;
    /** CONFIG_PHYSICAL_START default: the kernel image loads at 16 MiB (arch/x86/Kconfig). */
    static final long PHYSICAL_START = 0x1000000L;

    private final I386Options options;
    private final FixedAreas areas;
    private final Set<ZoneType> zoneTypes;

    /**
     * @param options the configuration
     * @throws IllegalArgumentException if even a machine whose RAM fills lowmem would break a rule
     *         of the layout (lowmem not reaching past the kernel image, or a mem_init BUG_ON)
     */
    I386Spec(I386Options options) {
        this.options = options;
        this.areas = new FixedAreas(options);
        this.zoneTypes = Collections.unmodifiableSet(options.highmem()
                ? EnumSet.of(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM)
                : EnumSet.of(ZoneType.DMA, ZoneType.NORMAL));
        checkFullLowmem();
    }

    /** The worst case for the layout checks is lowmem filled up to MAXMEM; check it once, now. */
    private void checkFullLowmem() {
        if (areas.maxMem() <= PHYSICAL_START) {
            throw new IllegalArgumentException(String.format(
                    "MAXMEM: %#x (expected: above CONFIG_PHYSICAL_START %#x, so that the kernel image is"
                            + " in lowmem; __VMALLOC_RESERVE %#x is too large for PAGE_OFFSET %#x)",
                    areas.maxMem(), PHYSICAL_START, options.vmallocReserveBytes(), options.pageOffset()));
        }
        new I386Layout(areas, new LowmemSplit(areas.maxMemPfn(), options, areas));
    }

    /** @return the configuration */
    I386Options options() {
        return options;
    }

    /** @return the build-time areas */
    FixedAreas fixedAreas() {
        return areas;
    }

    @Override
    public String id() {
        return I386Architecture.ID;
    }

    @Override
    public String description() {
        return String.format("i386, %s, %s, VMSPLIT_%s, %s layout, NR_CPUS=%d",
                options.pae() ? "PAE 3-level page tables" : "2-level page tables",
                options.highmem() ? (options.pae() ? "HIGHMEM64G" : "HIGHMEM4G") : "NOHIGHMEM",
                options.vmSplit().configName(), options.generation().configName(), options.nrCpus());
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public int pageShift() {
        return FixedAreas.PAGE_SHIFT;
    }

    @Override
    public int physAddressBits() {
        return options.physAddressBits();
    }

    @Override
    public int virtAddressBits() {
        return 32;
    }

    @Override
    public int structPageBytes() {
        return options.structPageBytes();
    }

    @Override
    public Set<ZoneType> zoneTypes() {
        return zoneTypes;
    }

    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        return PcE820Map.of(ramBytes, 1L << options.physAddressBits(), options.pae()
                ? "PAE's 36-bit physical addresses end at 64 GiB"
                : "32-bit physical addresses end at 4 GiB: more than 3 GiB of RAM would need addresses"
                        + " above 4 GiB; set pae = true, or give an explicit kmemu.memory.map");
    }

    /** trim_bios_range() of arch/x86/kernel/setup.c: page 0 reserved, RAM in 640 KiB..1 MiB removed. */
    @Override
    public MemoryMap sanitizeFirmwareMap(MemoryMap firmwareMap) {
        return PcE820Map.trimBiosRange(firmwareMap);
    }

    @Override
    public long kernelLoadAddress() {
        return PHYSICAL_START;
    }

    /**
     * What memblock reserves first below 1 MiB, by generation:
     * <ul>
     *   <li>CURRENT: the whole first 1 MiB. Since 5.13 {@code reserve_real_mode()} reserves
     *       [0, 1M) unconditionally, "because BIOSes are known to corrupt low memory"
     *       (arch/x86/realmode/init.c, comment in arch/x86/kernel/setup.c setup_arch).</li>
     *   <li>LEGACY: the first 64 KiB, CONFIG_X86_RESERVE_LOW's default, which setup.c's
     *       trim_low_memory_range() reserves (2.6.36 to 5.12).</li>
     *   <li>CLASSIC: page 0 only, the BIOS data page ("BIOS data page" in 2.6 setup.c; page 0 is
     *       "BIOS owned area, not kernel ram", trim_bios_range()).</li>
     * </ul>
     * The ranges are reserved whether or not the map calls them RAM, as memblock_reserve() does.
     */
    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        long size = switch (options.generation()) {
            case CURRENT -> 1L << 20;
            case LEGACY -> 64L << 10;
            case CLASSIC -> FixedAreas.PAGE_SIZE;
        };
        return List.of(new MemoryRegion(0, size, RegionType.RESERVED));
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        return new I386Layout(areas, new LowmemSplit(map.maxPfn(FixedAreas.PAGE_SHIFT), options, areas));
    }

    /** The max_zone_pfns[] of zone_sizes_init() (arch/x86/mm/init.c). */
    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        if (!zoneTypes.contains(zone)) {
            throw new IllegalArgumentException("zone: " + zone + " (expected: one of " + zoneTypes + ")");
        }
        return switch (zone) {
            case DMA -> Math.min(MAX_DMA_PFN, layout.maxLowPfn());
            case NORMAL -> layout.maxLowPfn();
            case HIGHMEM -> layout.maxPfn();
            default -> throw new AssertionError(zone);
        };
    }
}
