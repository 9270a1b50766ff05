package org.kmemu.arch.i386;

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
import org.kmemu.api.PgdSync;
import org.kmemu.api.TlbModel;
import org.kmemu.api.ZoneType;
import org.kmemu.x86.common.e820.PcE820Map;
import org.kmemu.x86.common.mmu.RamRanges;
import org.kmemu.x86.common.mmu.X86FaultReport;
import org.kmemu.x86.common.mmu.X86MmuOptions;

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

    /** ISA_END_ADDRESS: 1 MiB, always mapped "regardless of memory holes" by init_mem_mapping() (arch/x86/mm/init.c). */
    static final long ISA_END_ADDRESS = 0x100000L;
    /**
     * __PAGE_KERNEL_EXEC = P | RW | DIRTY | ACCESSED | GLOBAL (arch/x86/include/asm/pgtable_types.h);
     * __PAGE_KERNEL adds _PAGE_NX, which the format sets for a leaf without EXEC when NX is on.
     */
    static final int PAGE_KERNEL_EXEC = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.DIRTY
            | PteFlags.GLOBAL | PteFlags.EXEC;
    /** What __die_header() prints after "[#1]" for an SMP kernel (arch/x86/kernel/dumpstack.c). */
    static final String DIE_FLAGS = " SMP";

    private final I386Options options;
    private final FixedAreas areas;
    private final Set<ZoneType> zoneTypes;
    private final boolean pse;
    private final X86MmuOptions mmu;
    private final X86FaultReport faultReport;

    /**
     * @param options the configuration
     * @throws IllegalArgumentException if even a machine whose RAM fills lowmem would break a rule
     *         of the layout (lowmem not reaching past the kernel image, or a mem_init BUG_ON)
     */
    I386Spec(I386Options options) {
        this(options, true, new X86MmuOptions(false, false, false, 16, 4));
    }

    /**
     * @param options the configuration
     * @param pse     CR4.PSE: large pages in the direct map
     * @param mmu     NX (only with PAE), SMEP, SMAP and the TLB geometry
     * @throws IllegalArgumentException as {@link #I386Spec(I386Options)}, or for NX without PAE
     */
    I386Spec(I386Options options, boolean pse, X86MmuOptions mmu) {
        if (mmu.nx() && !options.pae()) {
            throw new IllegalArgumentException("nx: true (expected: false without PAE, whose 4-byte entries have no NX bit)");
        }
        this.pse = pse;
        this.mmu = mmu;
        this.faultReport = new X86FaultReport(options.pae() ? X86FaultReport.Dump.PAE : X86FaultReport.Dump.TWO_LEVEL,
                mmu.nx(), mmu.smep(), DIE_FLAGS);
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

    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        return options.pae() ? new PaeFormat(mmu.nx()) : new TwoLevelFormat(pse);
    }

    @Override
    public TlbModel tlbModel() {
        return mmu.tlbModel();
    }

    /**
     * PAE: the kernel PMDs are made at boot and shared by every PDPT ({@code SHARED_KERNEL_PMD}, no PTI), so the
     * PDPT's kernel entries never change. 2-level: the PMD is folded into the PGD ({@code SHARED_KERNEL_PMD} 0,
     * arch/x86/include/asm/pgtable-2level_types.h), every pgd is on {@code pgd_list} ({@code pgd_ctor},
     * arch/x86/mm/pgtable.c), and a kernel PGD entry made by vmalloc is copied into each of them
     * ({@code arch_sync_kernel_mappings}, arch/x86/mm/fault.c).
     */
    @Override
    public PgdSync pgdSync() {
        return options.pae() ? PgdSync.PREALLOCATE_KERNEL_TABLES : PgdSync.PGD_LIST;
    }

    /** PAE: {@code pgd_alloc} preallocates the user PMDs ({@code preallocate_pmds}, arch/x86/mm/pgtable.c). */
    @Override
    public boolean prepopulateUserRoot() {
        return options.pae();
    }

    /**
     * What boot maps in swapper_pg_dir (arch/x86/mm/init.c init_mem_mapping(), arch/x86/mm/init_32.c):
     * <ol>
     *   <li>the direct map of lowmem only, RAM below max_low_pfn: the ISA range [0, 1 MiB) whatever
     *       its holes, then each RAM range at PAGE_OFFSET + phys (init_range_memory_mapping). The
     *       first PMD (4 MiB, or 2 MiB with PAE) uses 4 KiB pages "because there are often fixed size
     *       MTRRs in there" (split_mem_range), the rest large pages if the CPU has PSE.
     *       kernel_physical_mapping_init() maps it PAGE_KERNEL (NX when the CPU has it) except the
     *       kernel text, PAGE_KERNEL_EXEC; a large page holding any text is executable whole. The text
     *       is taken as the whole image [_text, _end), a superset of the kernel's [_text, __init_end].
     *       Without NX every page is executable.</li>
     *   <li>pkmap: page tables for LAST_PKMAP pages at PKMAP_BASE, no pages (permanent_kmaps_init()).</li>
     *   <li>fixmap: page tables from the PMD of the last fixmap slot up to FIXADDR_TOP rounded up to a
     *       PMD, no pages (early_ioremap_page_table_range_init()).</li>
     * </ol>
     */
    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        long page = FixedAreas.PAGE_SIZE;
        long pmd = areas.pmdSize();
        long large = pse ? pmd : page;
        long textStart = imageStart & -large;
        long textEnd = -(-imageEnd & -large);
        List<KernelMapping> out = new ArrayList<>();
        long lowEnd = layout.maxLowPfn() << FixedAreas.PAGE_SHIFT;
        addDirectMap(out, layout.pageOffset(), 0, Math.min(ISA_END_ADDRESS, lowEnd), pmd, large, textStart, textEnd);
        for (long[] r : RamRanges.within(map, ISA_END_ADDRESS, lowEnd)) {
            addDirectMap(out, layout.pageOffset(), r[0], r[1], pmd, large, textStart, textEnd);
        }
        int kmapProt = mmu.nx() ? PAGE_KERNEL_EXEC & ~PteFlags.EXEC : PAGE_KERNEL_EXEC; // kmap_prot = PAGE_KERNEL
        if (layout.lastPkmap() > 0) {
            out.add(new KernelMapping(Kind.PKMAP, "pkmap", layout.pkmapBase(), KernelMapping.TABLES_ONLY,
                    (long) layout.lastPkmap() * page, kmapProt, page));
        }
        // __fix_to_virt(__end_of_fixed_addresses - 1) & PMD_MASK .. (FIXADDR_TOP + PMD_SIZE - 1) & PMD_MASK;
        // the end wraps to 0 in 32-bit arithmetic, and page_table_range_init() then runs to the last PGD entry.
        long fixStart = (areas.fixaddrTotStart() + page) & -pmd;
        long fixEnd = (FixedAreas.FIXADDR_TOP + pmd - 1) & -pmd;
        out.add(new KernelMapping(Kind.FIXMAP, "fixmap", fixStart, KernelMapping.TABLES_ONLY, fixEnd - fixStart, kmapProt, page));
        return out;
    }

    /** One RAM range of the direct map, cut where the page size or the execute permission changes. */
    private void addDirectMap(List<KernelMapping> out, long pageOffset, long start, long end, long pmd, long large,
                              long textStart, long textEnd) {
        // Without NX every page is PAGE_KERNEL_EXEC alike: only the page size changes along the range.
        long[] cuts = mmu.nx() ? new long[] {pmd, textStart, textEnd} : new long[] {pmd};
        long s = start;
        while (s < end) {
            long e = end;
            for (long c : cuts) {
                if (c > s && c < e) {
                    e = c;
                }
            }
            boolean text = s >= textStart && s < textEnd;
            int flags = mmu.nx() && !text ? PAGE_KERNEL_EXEC & ~PteFlags.EXEC : PAGE_KERNEL_EXEC;
            out.add(new KernelMapping(Kind.DIRECT_MAP, text && mmu.nx() ? "direct map (kernel text)" : "direct map",
                    pageOffset + s, s, e - s, flags, s < pmd ? FixedAreas.PAGE_SIZE : large));
            s = e;
        }
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return mmu.cpuFeatures();
    }

    /** The oops of arch/x86/mm/fault.c, with the 32-bit dump_pagetable() ("*pde = ", or "*pdpt = " with PAE). */
    @Override
    public List<String> faultReport(PageFault fault) {
        return faultReport.lines(fault);
    }

    /**
     * A machine check with a bus-error code ({@link org.kmemu.x86.common.mmu.X86MachineCheck}); its PROCESSOR
     * line names CPUID signature 0x686: a P6-family Pentium III (family 6, model 8, stepping 6), the era of i386's defaults.
     */
    @Override
    public List<String> busErrorReport(long paddr, int size, org.kmemu.api.Access access, int cpu) {
        return org.kmemu.x86.common.mmu.X86MachineCheck.report(paddr, access, cpu, 0x686);
    }

    /** The #PF error code the CPU pushes (X86_PF_* bits, see {@code X86FaultReport}). */
    @Override
    public int faultErrorCode(PageFault fault) {
        return faultReport.errorCode(fault);
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
