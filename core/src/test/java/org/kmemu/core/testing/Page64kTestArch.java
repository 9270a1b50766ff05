package org.kmemu.core.testing;

import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.api.RegionType;
import org.kmemu.api.TlbModel;
import org.kmemu.api.ZoneType;

/**
 * A 64-bit machine with 64 KiB pages for core tests (PAGE_SHIFT 16, as arm64 or ppc64 kernels built
 * for 64K pages): the x86_64-like addresses of {@link X86_64TestArch} rounded to 64 KiB, the
 * {@link TestX86Format#threeLevel64k()} tables, one block of RAM from 0, zones DMA (below 16 MiB) and
 * NORMAL, and a 128-byte L1 line (arm64's L1_CACHE_BYTES, ppc64's too). It exists so that whatever the
 * core sizes from the page shift (kmalloc's caches, slabs, vmalloc) is run on pages other than 4 KiB.
 */
public final class Page64kTestArch implements ArchSpec {
    static final int SHIFT = 16;
    static final long PAGE_OFFSET = 0xffff888000000000L;
    static final long START_KERNEL_MAP = 0xffffffff80000000L;
    static final long VMALLOC_START = 0xffffc90000000000L;
    static final long VMALLOC_END = 0xffffe90000000000L;
    static final long FIXADDR_TOP = 0xffffffffff7f0000L;
    static final long FIXADDR_START = 0xffffffffff570000L;

    @Override
    public String id() {
        return "page64k";
    }

    @Override
    public String description() {
        return "64 KiB pages (test fixture), 3-level page tables";
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public int pageShift() {
        return SHIFT;
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
        return EnumSet.of(ZoneType.DMA, ZoneType.NORMAL);
    }

    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        return new MemoryMap(List.of(new MemoryRegion(0, ramBytes, RegionType.USABLE)));
    }

    @Override
    public long kernelLoadAddress() {
        return 0x1000000;
    }

    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        return List.of(new MemoryRegion(0, 1L << SHIFT, RegionType.RESERVED));
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        return new FlatTestLayout(SHIFT, map.maxPfn(SHIFT), PAGE_OFFSET, 0x00007fffffff0000L, START_KERNEL_MAP, VMALLOC_START,
                VMALLOC_END, FIXADDR_START, FIXADDR_TOP);
    }

    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        return TestX86Format.threeLevel64k();
    }

    @Override
    public TlbModel tlbModel() {
        return new TlbModel(false, 16, 4, 0);
    }

    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        long ram = layout.maxPfn() << SHIFT;
        long start = imageStart & -(1L << SHIFT);
        long end = (imageEnd + (1L << SHIFT) - 1) & -(1L << SHIFT);
        return List.of(new KernelMapping(KernelMapping.Kind.DIRECT_MAP, "direct map", PAGE_OFFSET, 0, ram,
                        PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL, 512L << 20),
                new KernelMapping(KernelMapping.Kind.KERNEL_IMAGE, "kernel text", START_KERNEL_MAP + start, start, end - start,
                        PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL | PteFlags.EXEC, 1L << SHIFT));
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return EnumSet.of(CpuFeature.NX);
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
        return zone == ZoneType.DMA ? Math.min((16L << 20) >>> SHIFT, layout.maxLowPfn()) : layout.maxLowPfn();
    }

    @Override
    public int cacheLineBytes() {
        return 128;
    }
}
