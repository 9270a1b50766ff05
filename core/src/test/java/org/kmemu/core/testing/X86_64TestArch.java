package org.kmemu.core.testing;

import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.KernelMapping.Kind;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.api.TlbModel;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.ZoneType;

/**
 * A small x86_64-like {@link ArchSpec} for core tests, standing in for the real arch-x86_64 plugin
 * (which core may not depend on). 4-level paging constants of arch/x86/include/asm/page_64_types.h
 * and pgtable_64_types.h without KASLR: PAGE_OFFSET 0xffff888000000000, vmalloc at
 * 0xffffc90000000000 (32 TiB), the image mapped at __START_KERNEL_map 0xffffffff80000000 and loaded
 * at 16 MiB. Zones DMA (below 16 MiB), DMA32 (below 4 GiB) and NORMAL, limits as
 * arch/x86/mm/init.c {@code zone_sizes_init()} sets them. The default map is {@link PcMemoryMap}; the
 * first 1 MiB is reserved early, as arch/x86/realmode/init.c does on recent kernels.
 */
public final class X86_64TestArch implements ArchSpec {
    static final long PAGE_OFFSET = 0xffff888000000000L;
    static final long START_KERNEL_MAP = 0xffffffff80000000L;
    static final long VMALLOC_START = 0xffffc90000000000L;
    static final long VMALLOC_END = 0xffffe90000000000L;
    static final long FIXADDR_TOP = 0xffffffffff7ff000L;
    static final long FIXADDR_START = 0xffffffffff578000L;

    private final TlbModel tlb;

    /** The fixture's usual TLB: 64 entries, 4-way, no second level. */
    public X86_64TestArch() {
        this(0, 0);
    }

    /**
     * @param stlbSets sets of a second-level TLB (x86 STLB), 0 for none
     * @param stlbWays its ways, 0 for none
     */
    public X86_64TestArch(int stlbSets, int stlbWays) {
        this.tlb = new TlbModel(false, 16, 4, 0, 0, false, stlbSets, stlbWays);
    }

    @Override
    public String id() {
        return "x86_64";
    }

    @Override
    public String description() {
        return "x86_64 (test fixture), 4-level page tables";
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public int pageShift() {
        return 12;
    }

    @Override
    public int physAddressBits() {
        return 46;
    }

    @Override
    public int virtAddressBits() {
        return 48;
    }

    @Override
    public int structPageBytes() {
        return 64;
    }

    @Override
    public Set<ZoneType> zoneTypes() {
        return EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL);
    }

    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        return PcMemoryMap.of(ramBytes, physAddressBits());
    }

    @Override
    public long kernelLoadAddress() {
        return 0x1000000;
    }

    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        return List.of(new MemoryRegion(0, 0x100000, RegionType.RESERVED));
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        long maxPfn = map.maxPfn(pageShift());
        if (maxPfn << pageShift() > 1L << physAddressBits()) {
            throw new IllegalArgumentException("RAM ends at " + (maxPfn << pageShift()) + " (expected: below 2^46)");
        }
        return new FlatTestLayout(12, maxPfn, PAGE_OFFSET, 0x00007ffffffff000L, START_KERNEL_MAP, VMALLOC_START,
                VMALLOC_END, FIXADDR_START, FIXADDR_TOP);
    }

    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        return TestX86Format.fourLevel();
    }

    @Override
    public TlbModel tlbModel() {
        return tlb;
    }

    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        List<KernelMapping> out = new java.util.ArrayList<>(TestMmu.directMap(map, PAGE_OFFSET, layout.maxPfn() << 12,
                PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL, 1L << 30));
        long start = imageStart & -(2L << 20);
        long end = (imageEnd + (2L << 20) - 1) & -(2L << 20);
        out.add(new KernelMapping(Kind.KERNEL_IMAGE, "kernel text", START_KERNEL_MAP + start, start, end - start,
                PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL | PteFlags.EXEC, 2L << 20));
        return out;
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return EnumSet.of(CpuFeature.NX, CpuFeature.SMEP, CpuFeature.SMAP);
    }

    @Override
    public List<String> faultReport(PageFault fault) {
        return TestMmu.x86Report(fault, 16);
    }

    @Override
    public int faultErrorCode(PageFault fault) {
        return TestMmu.x86ErrorCode(fault);
    }

    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        return switch (zone) {
            case DMA -> Math.min(1L << 12, layout.maxLowPfn());
            case DMA32 -> Math.min(1L << 20, layout.maxLowPfn());
            default -> layout.maxLowPfn();
        };
    }

    /** x86's port space, as the real x86 plugins answer. */
    @Override
    public boolean hasIoPortSpace() {
        return true;
    }

    /** Linux's PAT entries (arch/x86/mm/pat/memtype.c): WC is PWT, UC- PCD, UC PCD|PWT. */
    @Override
    public int ioremapPteFlags(org.kmemu.api.PageCacheMode mode) {
        return switch (mode) {
            case WB -> 0;
            case WC -> org.kmemu.api.PteFlags.WRITE_THROUGH;
            case UC_MINUS -> org.kmemu.api.PteFlags.NO_CACHE;
            case UC -> org.kmemu.api.PteFlags.NO_CACHE | org.kmemu.api.PteFlags.WRITE_THROUGH;
        };
    }
}
