package org.kmemu.arch.x86_64;

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
 * A configured x86_64: little-endian, 4 KiB pages, 4- or 5-level paging, zones DMA / DMA32 / NORMAL and
 * no highmem. Immutable.
 */
final class X86_64Spec implements ArchSpec {
    /** MAX_DMA_PFN: 16 MiB of ISA DMA (arch/x86/include/asm/dma.h). */
    static final long MAX_DMA_PFN = (16L << 20) >>> X86_64Layout.PAGE_SHIFT;
    /** MAX_DMA32_PFN: 4 GiB (arch/x86/include/asm/dma.h). */
    static final long MAX_DMA32_PFN = (4L << 30) >>> X86_64Layout.PAGE_SHIFT;
    /** The first 1 MiB, reserved whole by reserve_real_mode() since v5.13 (arch/x86/realmode/init.c). */
    static final long LOW_RESERVED_BYTES = 1L << 20;

    private static final Set<ZoneType> ZONES = Collections.unmodifiableSet(EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL));

    private final X86_64Options options;
    private final Fixmap fixmap;

    /**
     * @param options the validated configuration
     * @throws IllegalArgumentException if the fixmap would reach down into the module area
     */
    X86_64Spec(X86_64Options options) {
        this.options = options;
        this.fixmap = new Fixmap(options.fixmap());
        // the BUILD_BUG_ON(__fix_to_virt(__end_of_fixed_addresses) <= MODULES_END) of the kernel
        if (Long.compareUnsigned(fixmap.fixaddrTotStart(), X86_64Layout.MODULES_END) < 0) {
            throw new IllegalArgumentException(String.format(
                    "fixmap: starts at 0x%016x (expected: at or above MODULES_END 0x%016x; fewer fixmap slots)",
                    fixmap.fixaddrTotStart(), X86_64Layout.MODULES_END));
        }
    }

    X86_64Options options() {
        return options;
    }

    @Override
    public String id() {
        return X86_64Architecture.ID;
    }

    @Override
    public String description() {
        PagingMode m = options.mode();
        return String.format("x86_64, %d-level page tables (%d-bit virtual, %d-bit physical), no highmem",
                m.levels(), m.virtAddressBits(), m.maxPhysmemBits());
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public int pageShift() {
        return X86_64Layout.PAGE_SHIFT;
    }

    /** @return MAX_PHYSMEM_BITS: 46 with 4-level paging, 52 with 5-level */
    @Override
    public int physAddressBits() {
        return options.mode().maxPhysmemBits();
    }

    @Override
    public int virtAddressBits() {
        return options.mode().virtAddressBits();
    }

    @Override
    public int structPageBytes() {
        return options.structPageBytes();
    }

    @Override
    public Set<ZoneType> zoneTypes() {
        return ZONES;
    }

    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        PagingMode m = options.mode();
        return PcE820Map.of(ramBytes, m.maxMemBytes(), String.format(
                "MAXMEM is 1 << MAX_PHYSMEM_BITS %d = %#x", m.maxPhysmemBits(), m.maxMemBytes()));
    }

    /** trim_bios_range() of arch/x86/kernel/setup.c: page 0 reserved, RAM in 640 KiB..1 MiB removed. */
    @Override
    public MemoryMap sanitizeFirmwareMap(MemoryMap firmwareMap) {
        return PcE820Map.trimBiosRange(firmwareMap);
    }

    @Override
    public long kernelLoadAddress() {
        return options.physicalStart();
    }

    /**
     * Since v5.13 reserve_real_mode() reserves the whole first 1 MiB unconditionally (BIOS data,
     * EBDA, the real-mode trampoline, and L1TF/SandyBridge quirks), so none of it reaches the buddy
     * allocator (arch/x86/realmode/init.c, arch/x86/kernel/setup.c).
     */
    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        return List.of(new MemoryRegion(0, LOW_RESERVED_BYTES, RegionType.RESERVED));
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        return new X86_64Layout(options, fixmap, map);
    }

    /**
     * zone_sizes_init() of arch/x86/mm/init.c: DMA up to min(MAX_DMA_PFN, max_low_pfn), DMA32 up to
     * min(MAX_DMA32_PFN, max_low_pfn), NORMAL up to max_low_pfn (== max_pfn on 64-bit).
     */
    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        long maxLow = layout.maxLowPfn();
        switch (zone) {
            case DMA:
                return Math.min(MAX_DMA_PFN, maxLow);
            case DMA32:
                return Math.min(MAX_DMA32_PFN, maxLow);
            case NORMAL:
                return maxLow;
            default:
                throw new IllegalArgumentException("zone: " + zone + " (expected: one of " + ZONES + " on x86_64)");
        }
    }

    @Override
    public String toString() {
        return description();
    }
}
