package org.kmemu.core.testing;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.IoremapRamCheck;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.PageCacheMode;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PgdSync;
import org.kmemu.api.PteFlags;
import org.kmemu.api.TlbModel;
import org.kmemu.api.ZoneType;

/**
 * The e500 stand-in ({@link I386TestArch#I386TestArch(boolean) I386TestArch(true)}: software-refilled TLB,
 * pinned lowmem) made big-endian and given PowerPC's ioremap rules (I|G for ioremap, I for ioremap_wc, the
 * ppc32 lowmem RAM check), so that core tests see a big-endian CPU under little-endian devices as on e500.
 * Everything else is the stand-in's.
 */
public final class BigEndianTestArch implements ArchSpec {
    private final ArchSpec base = new I386TestArch(true);

    @Override
    public String id() {
        return base.id();
    }

    @Override
    public String description() {
        return "big-endian e500-like (test fixture)";
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public int pageShift() {
        return base.pageShift();
    }

    @Override
    public int physAddressBits() {
        return base.physAddressBits();
    }

    @Override
    public int virtAddressBits() {
        return base.virtAddressBits();
    }

    @Override
    public int structPageBytes() {
        return base.structPageBytes();
    }

    @Override
    public Set<ZoneType> zoneTypes() {
        return base.zoneTypes();
    }

    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        return base.defaultMemoryMap(ramBytes);
    }

    @Override
    public MemoryMap sanitizeFirmwareMap(MemoryMap firmwareMap) {
        return base.sanitizeFirmwareMap(firmwareMap);
    }

    @Override
    public long kernelLoadAddress() {
        return base.kernelLoadAddress();
    }

    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        return base.earlyReservations(map);
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        return base.layout(map);
    }

    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        return base.maxZonePfn(zone, layout);
    }

    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        return base.pageTableFormat(layout);
    }

    @Override
    public TlbModel tlbModel() {
        return base.tlbModel();
    }

    @Override
    public PgdSync pgdSync() {
        return base.pgdSync();
    }

    @Override
    public boolean prepopulateUserRoot() {
        return base.prepopulateUserRoot();
    }

    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        return base.kernelMappings(layout, map, imageStart, imageEnd);
    }

    @Override
    public List<KernelMapping> pinnedTranslations(KernelLayout layout) {
        return base.pinnedTranslations(layout);
    }

    @Override
    public String describePinned(int index, KernelMapping entry) {
        return base.describePinned(index, entry);
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return base.cpuFeatures();
    }

    @Override
    public List<String> faultReport(PageFault fault) {
        return base.faultReport(fault);
    }

    @Override
    public int faultErrorCode(PageFault fault) {
        return base.faultErrorCode(fault);
    }

    @Override
    public int cacheLineBytes() {
        return base.cacheLineBytes();
    }

    @Override
    public int kmallocMinSize() {
        return base.kmallocMinSize();
    }

    @Override
    public List<String> busErrorReport(long paddr, int size, Access access, int cpu) {
        return base.busErrorReport(paddr, size, access, cpu);
    }

    @Override
    public int ioremapPteFlags(PageCacheMode mode) {
        return switch (mode) {
            case WB -> 0;
            case WC -> PteFlags.NO_CACHE;
            case UC_MINUS, UC -> PteFlags.NO_CACHE | PteFlags.GUARDED;
        };
    }

    @Override
    public IoremapRamCheck ioremapRamCheck() {
        return IoremapRamCheck.FIRST_PAGE_IF_LOWMEM;
    }
}
