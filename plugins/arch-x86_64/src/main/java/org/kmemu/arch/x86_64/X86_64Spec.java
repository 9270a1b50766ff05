package org.kmemu.arch.x86_64;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.KernelMapping.Kind;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.api.RegionType;
import org.kmemu.api.TlbModel;
import org.kmemu.api.ZoneType;
import org.kmemu.x86.common.e820.PcE820Map;
import org.kmemu.x86.common.mmu.RamRanges;
import org.kmemu.x86.common.mmu.X86FaultReport;

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

    /** ISA_END_ADDRESS: 1 MiB, always mapped "regardless of memory holes" by init_mem_mapping() (arch/x86/mm/init.c). */
    static final long ISA_END_ADDRESS = 0x100000L;
    /** PMD_SIZE: 2 MiB. */
    static final long PMD_SIZE = 1L << 21;
    /** PUD_SIZE: 1 GiB. */
    static final long PUD_SIZE = 1L << 30;
    /**
     * __PAGE_KERNEL = __PAGE_KERNEL_EXEC | _PAGE_NX, __PAGE_KERNEL_EXEC = P | RW | DIRTY | ACCESSED |
     * GLOBAL (arch/x86/include/asm/pgtable_types.h): the direct map's leaves, not executable.
     */
    static final int PAGE_KERNEL = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.DIRTY
            | PteFlags.GLOBAL;
    /** __PAGE_KERNEL_LARGE_EXEC without PSE (the format adds it): the kernel image's 2 MiB leaves. */
    static final int PAGE_KERNEL_EXEC = PAGE_KERNEL | PteFlags.EXEC;
    /**
     * What __die_header() prints after "[#1]": CONFIG_SMP, and CONFIG_MITIGATION_PAGE_TABLE_ISOLATION on a
     * CPU without Meltdown, where X86_FEATURE_PTI is off (arch/x86/kernel/dumpstack.c).
     */
    static final String DIE_FLAGS = " SMP NOPTI";

    private static final Set<ZoneType> ZONES = Collections.unmodifiableSet(EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL));

    private final X86_64Options options;
    private final Fixmap fixmap;
    private final X86FaultReport faultReport;

    /**
     * @param options the validated configuration
     * @throws IllegalArgumentException if the fixmap would reach down into the module area
     */
    X86_64Spec(X86_64Options options) {
        this.options = options;
        this.fixmap = new Fixmap(options.fixmap());
        this.faultReport = new X86FaultReport(options.mode() == PagingMode.FIVE_LEVEL
                ? X86FaultReport.Dump.FIVE_LEVEL : X86FaultReport.Dump.FOUR_LEVEL,
                options.mmu().nx(), options.mmu().smep(), DIE_FLAGS);
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
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        boolean nx = options.mmu().nx();
        return options.mode() == PagingMode.FIVE_LEVEL
                ? new FiveLevelFormat(options.gbpages(), nx) : new FourLevelFormat(options.gbpages(), nx);
    }

    @Override
    public TlbModel tlbModel() {
        return options.mmu().tlbModel();
    }

    /**
     * What boot maps in init_mm, as the kernel does it (arch/x86/mm/init.c init_mem_mapping(),
     * arch/x86/kernel/head_64.S and cleanup_highmap() in arch/x86/mm/init_64.c):
     * <ol>
     *   <li>the ISA range [0, 1 MiB), "always mapped regardless of memory holes", in 4 KiB pages;</li>
     *   <li>every RAM range above it up to max_pfn at PAGE_OFFSET + phys (init_range_memory_mapping:
     *       memblock memory only, so the PCI hole and reserved ranges stay unmapped), with 1 GiB pages
     *       where aligned if the CPU has gbpages, else 2 MiB (split_mem_range); leaves are
     *       PAGE_KERNEL, so NX;</li>
     *   <li>the kernel image at __START_KERNEL_map + phys, from _text rounded down to 2 MiB to _end
     *       rounded up to 2 MiB (cleanup_highmap() keeps that much of level2_kernel_pgt), in 2 MiB
     *       pages, writable and executable (__PAGE_KERNEL_LARGE_EXEC). The later split into read-only
     *       text and NX data (mark_rodata_ro()) is not modelled.</li>
     * </ol>
     */
    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        List<KernelMapping> out = new ArrayList<>();
        long pageOffset = layout.pageOffset();
        out.add(new KernelMapping(Kind.DIRECT_MAP, "direct map (ISA)", pageOffset, 0, ISA_END_ADDRESS, PAGE_KERNEL, X86_64Layout.PAGE_SIZE));
        long largest = options.gbpages() ? PUD_SIZE : PMD_SIZE;
        long end = layout.maxPfn() << X86_64Layout.PAGE_SHIFT;
        for (long[] r : RamRanges.within(map, ISA_END_ADDRESS, end)) {
            out.add(new KernelMapping(Kind.DIRECT_MAP, "direct map", pageOffset + r[0], r[0], r[1] - r[0], PAGE_KERNEL, largest));
        }
        long textStart = imageStart & -PMD_SIZE;
        long textEnd = -(-imageEnd & -PMD_SIZE);
        out.add(new KernelMapping(Kind.KERNEL_IMAGE, "kernel text", layout.kernelImageVa(textStart), textStart, textEnd - textStart,
                PAGE_KERNEL_EXEC, PMD_SIZE));
        return out;
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return options.mmu().cpuFeatures();
    }

    /** The oops of arch/x86/mm/fault.c, with the 64-bit dump_pagetable(). */
    @Override
    public List<String> faultReport(PageFault fault) {
        return faultReport.lines(fault);
    }

    /**
     * A machine check with a bus-error code ({@link org.kmemu.x86.common.mmu.X86MachineCheck}); its PROCESSOR
     * line names CPUID signature 0x506e3: Skylake-S (family 6, model 0x5e, stepping 3), the core whose TLBs x86_64 models.
     */
    @Override
    public List<String> busErrorReport(long paddr, int size, org.kmemu.api.Access access, int cpu) {
        return org.kmemu.x86.common.mmu.X86MachineCheck.report(paddr, access, cpu, 0x506e3);
    }

    /** The #PF error code the CPU pushes (X86_PF_* bits, see {@code X86FaultReport}). */
    @Override
    public int faultErrorCode(PageFault fault) {
        return faultReport.errorCode(fault);
    }

    @Override
    public String toString() {
        return description();
    }

    /** PAT-indexed cache bits ({@link org.kmemu.x86.common.mmu.X86CacheModes}). */
    @Override
    public int ioremapPteFlags(org.kmemu.api.PageCacheMode mode) {
        return org.kmemu.x86.common.mmu.X86CacheModes.pteFlags(mode);
    }

    /** x86 has the in/out port space (ioport_resource, /proc/ioports). */
    @Override
    public boolean hasIoPortSpace() {
        return true;
    }
}
