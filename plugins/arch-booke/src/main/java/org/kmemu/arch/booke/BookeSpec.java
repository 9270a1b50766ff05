package org.kmemu.arch.booke;

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

/**
 * A configured PowerPC e500 (32-bit BookE, CONFIG_PPC_85xx): big-endian, 4 KiB pages, lowmem pinned in
 * TLB1 CAM entries, zones NORMAL (+ HIGHMEM). Immutable.
 *
 * <p>No ZONE_DMA: on 32-bit powerpc CONFIG_ZONE_DMA is selected only by PPC_PMAC
 * (arch/powerpc/platforms/powermac/Kconfig), so paging_init() in arch/powerpc/mm/mem.c fills only
 * ZONE_NORMAL = max_low_pfn and ZONE_HIGHMEM = max_pfn on an 85xx kernel.
 */
final class BookeSpec implements ArchSpec {
    private final BookeOptions options;
    private final BookeFixmap fixmap;
    private final Set<ZoneType> zones;

    BookeSpec(BookeOptions options) {
        this.options = options;
        this.fixmap = new BookeFixmap(options);
        this.zones = options.highmem()
                ? Collections.unmodifiableSet(EnumSet.of(ZoneType.NORMAL, ZoneType.HIGHMEM))
                : Collections.unmodifiableSet(EnumSet.of(ZoneType.NORMAL));
    }

    BookeOptions options() {
        return options;
    }

    @Override
    public String id() {
        return BookeArchitecture.ID;
    }

    @Override
    public String description() {
        return String.format("booke (e500), KERNELBASE 0x%08x, lowmem %d MiB max, %s, %d-bit physical (%s PTEs)",
                options.kernelbase(), options.lowmemSize() >>> 20, options.highmem() ? "HIGHMEM" : "no highmem",
                options.physAddressBits(), options.phys64bit() ? "64-bit" : "32-bit");
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public int pageShift() {
        return BookeLayout.PAGE_SHIFT;
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
        return zones;
    }

    /**
     * One RAM range from MEMORY_START, as a device tree memory node describes it; boards have no PC holes.
     */
    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        if (ramBytes <= 0 || ramBytes % BookeLayout.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("ramBytes: " + ramBytes + " (expected: a positive multiple of 4096)");
        }
        long limit = 1L << options.physAddressBits();
        if (ramBytes > limit - options.physicalStart()) {
            throw new IllegalArgumentException(String.format(
                    "ramBytes: 0x%x (expected: at most 0x%x: RAM from 0x%x must end within %d physical bits%s)",
                    ramBytes, limit - options.physicalStart(), options.physicalStart(), options.physAddressBits(),
                    options.phys64bit() ? "" : "; set phys-64bit for 36 bits"));
        }
        return new MemoryMap(List.of(new MemoryRegion(options.physicalStart(), ramBytes, RegionType.USABLE)));
    }

    /** @return CONFIG_PHYSICAL_START: the kernel runs at the start of RAM */
    @Override
    public long kernelLoadAddress() {
        return options.physicalStart();
    }

    /**
     * Nothing beyond the core's: early_reserve_mem() in arch/powerpc/kernel/prom.c reserves the kernel
     * image, the flattened device tree, its /memreserve/ entries and an initrd; the emulator has no device
     * tree blob or initrd, and the core reserves the image.
     */
    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        return List.of();
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        return new BookeLayout(options, fixmap, map);
    }

    /** paging_init() of arch/powerpc/mm/mem.c: NORMAL to max_low_pfn, HIGHMEM to max_pfn. */
    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        if (zone == ZoneType.NORMAL) {
            return layout.maxLowPfn();
        }
        if (zone == ZoneType.HIGHMEM && options.highmem()) {
            return layout.maxPfn();
        }
        throw new IllegalArgumentException("zone: " + zone + " (expected: one of " + zones + " on this e500)");
    }

    @Override
    public String toString() {
        return description();
    }
}
