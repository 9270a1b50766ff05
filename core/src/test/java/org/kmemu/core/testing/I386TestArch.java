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
import org.kmemu.api.VirtualArea;
import org.kmemu.api.ZoneType;

/**
 * A small i386-like {@link ArchSpec} for core tests: non-PAE, 3G/1G split, CONFIG_HIGHMEM. The
 * classic numbers of arch/x86/mm/init_32.c and pgtable_32_areas.h: PAGE_OFFSET 0xc0000000, 896 MiB
 * of lowmem (MAXMEM), LAST_PKMAP 1024 at PKMAP_BASE 0xff800000, VMALLOC_END two pages below it,
 * VMALLOC_START 8 MiB past high_memory. Zones DMA (below 16 MiB), NORMAL (below max_low_pfn) and
 * HIGHMEM. The default map is {@link PcMemoryMap} limited to 32-bit addresses (at most 3 GiB of RAM).
 */
public final class I386TestArch implements ArchSpec {
    static final long PAGE_OFFSET = 0xc0000000L;
    /** MAXMEM_PFN: 896 MiB of lowmem. */
    static final long MAX_LOW_PFN = (896L << 20) >>> 12;
    static final long PKMAP_BASE = 0xff800000L;
    static final int LAST_PKMAP = 1024;
    static final long FIXADDR_TOP = 0xfffff000L;
    static final long FIXADDR_START = 0xffc57000L;
    static final long VMALLOC_OFFSET = 8L << 20;

    private final boolean softwareTlb;
    private final int contextIds;
    private final boolean tlbilx;

    /** An i386-like machine with x86's hardware-walked TLB. */
    public I386TestArch() {
        this(false);
    }

    /**
     * @param softwareTlb true to model e500's MMU instead: TLB misses refilled in software into a
     *                    128-set 4-way array, lowmem pinned in 256 MiB TLB1-style entries, entries tagged
     *                    with context ids 1..255 and a context flush that flash-invalidates (e500v2)
     */
    public I386TestArch(boolean softwareTlb) {
        this(softwareTlb, 255, false);
    }

    private I386TestArch(boolean softwareTlb, int contextIds, boolean tlbilx) {
        this.softwareTlb = softwareTlb;
        this.contextIds = contextIds;
        this.tlbilx = tlbilx;
    }

    /**
     * @param contextIds LAST_CONTEXT
     * @param tlbilx     whether a context flush removes only that context's entries
     * @return the e500 model with a chosen context pool
     */
    public static I386TestArch e500(int contextIds, boolean tlbilx) {
        return new I386TestArch(true, contextIds, tlbilx);
    }

    @Override
    public String id() {
        return "i386";
    }

    @Override
    public String description() {
        return "i386 (test fixture), 2-level page tables, HIGHMEM4G";
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
        return 32;
    }

    @Override
    public int virtAddressBits() {
        return 32;
    }

    @Override
    public int structPageBytes() {
        return 32;
    }

    @Override
    public Set<ZoneType> zoneTypes() {
        return EnumSet.of(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM);
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
        if (maxPfn > 1L << 20) {
            throw new IllegalArgumentException("RAM beyond 4 GiB (expected: below 0x100000000 without PAE)");
        }
        return new Layout(maxPfn, Math.min(maxPfn, MAX_LOW_PFN));
    }

    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        return TestX86Format.twoLevel();
    }

    @Override
    public TlbModel tlbModel() {
        return softwareTlb ? new TlbModel(true, 128, 4, 16, contextIds, tlbilx) : new TlbModel(false, 16, 4, 0);
    }

    /** 2-level x86-32: pgd_list; the e500 model: its miss handler walks swapper_pg_dir for kernel addresses. */
    @Override
    public org.kmemu.api.PgdSync pgdSync() {
        return softwareTlb ? org.kmemu.api.PgdSync.KERNEL_ROOT_WALK : org.kmemu.api.PgdSync.PGD_LIST;
    }

    @Override
    public List<KernelMapping> pinnedTranslations(KernelLayout layout) {
        if (!softwareTlb) {
            return List.of();
        }
        List<KernelMapping> pins = new java.util.ArrayList<>();
        long lowEnd = layout.maxLowPfn() << 12;
        for (long p = 0; p + (256L << 20) <= lowEnd; p += 256L << 20) {
            pins.add(new KernelMapping(Kind.DIRECT_MAP, "TLB1 " + pins.size(), PAGE_OFFSET + p, p, 256L << 20,
                    PteFlags.WRITE | PteFlags.EXEC | PteFlags.GLOBAL, 256L << 20));
        }
        return pins;
    }

    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        List<KernelMapping> out = new java.util.ArrayList<>(TestMmu.directMap(map, PAGE_OFFSET, layout.maxLowPfn() << 12,
                PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL | PteFlags.EXEC, 4L << 20));
        out.add(new KernelMapping(Kind.PKMAP, "pkmap", layout.pkmapBase(), KernelMapping.TABLES_ONLY, (long) layout.lastPkmap() << 12, 0, 4096));
        out.add(new KernelMapping(Kind.FIXMAP, "fixmap", FIXADDR_START, KernelMapping.TABLES_ONLY, FIXADDR_TOP - FIXADDR_START, 0, 4096));
        return out;
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return EnumSet.of(CpuFeature.SMEP, CpuFeature.SMAP);
    }

    @Override
    public List<String> faultReport(PageFault fault) {
        return TestMmu.x86Report(fault, 8);
    }

    @Override
    public int faultErrorCode(PageFault fault) {
        return TestMmu.x86ErrorCode(fault);
    }

    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        return switch (zone) {
            case DMA -> Math.min(1L << 12, layout.maxLowPfn());
            case NORMAL -> layout.maxLowPfn();
            default -> layout.maxPfn();
        };
    }

    /** Lowmem directly mapped at PAGE_OFFSET, the rest highmem. */
    private record Layout(long maxPfn, long maxLowPfn) implements KernelLayout {
        @Override
        public long pageOffset() {
            return PAGE_OFFSET;
        }

        @Override
        public long taskSize() {
            return PAGE_OFFSET;
        }

        @Override
        public long highMemory() {
            return PAGE_OFFSET + (maxLowPfn << 12);
        }

        @Override
        public long vmallocStart() {
            return (highMemory() + VMALLOC_OFFSET) & ~(VMALLOC_OFFSET - 1);
        }

        @Override
        public long vmallocEnd() {
            return PKMAP_BASE - 2 * 4096;
        }

        @Override
        public int lastPkmap() {
            return LAST_PKMAP;
        }

        @Override
        public long pkmapBase() {
            return PKMAP_BASE;
        }

        @Override
        public long fixaddrStart() {
            return FIXADDR_START;
        }

        @Override
        public long fixaddrTop() {
            return FIXADDR_TOP;
        }

        /** A test value: 16 slots of other fixmap entries above the kmap slots. */
        @Override
        public int fixKmapBegin() {
            return 16;
        }

        @Override
        public int kmapLocalSlots() {
            return 16;
        }

        @Override
        public List<VirtualArea> areas() {
            return List.of(new VirtualArea("fixmap", FIXADDR_START, FIXADDR_TOP),
                    new VirtualArea("pkmap", PKMAP_BASE, PKMAP_BASE + LAST_PKMAP * 4096L),
                    new VirtualArea("vmalloc", vmallocStart(), vmallocEnd()),
                    new VirtualArea("lowmem", PAGE_OFFSET, highMemory()));
        }

        @Override
        public long pa(long vaddr) {
            if (!virtAddrValid(vaddr)) {
                throw new IllegalArgumentException(String.format("__pa: %#x (expected: in [%#x, %#x))", vaddr,
                        PAGE_OFFSET, highMemory()));
            }
            return vaddr - PAGE_OFFSET;
        }

        @Override
        public long va(long paddr) {
            if (paddr < 0 || paddr >= maxLowPfn << 12) {
                throw new IllegalArgumentException(String.format("__va: %#x (expected: lowmem, below %#x)", paddr,
                        maxLowPfn << 12));
            }
            return paddr + PAGE_OFFSET;
        }

        @Override
        public boolean virtAddrValid(long vaddr) {
            return vaddr >= PAGE_OFFSET && vaddr < highMemory();
        }

        @Override
        public List<String> bootMessages() {
            return List.of((((maxPfn - maxLowPfn) << 12) >> 20) + "MB HIGHMEM available.",
                    ((maxLowPfn << 12) >> 20) + "MB LOWMEM available.");
        }
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
