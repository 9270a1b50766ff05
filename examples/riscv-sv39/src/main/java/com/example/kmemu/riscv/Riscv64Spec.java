package com.example.kmemu.riscv;

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
import org.kmemu.api.PgdSync;
import org.kmemu.api.PteFlags;
import org.kmemu.api.RegionType;
import org.kmemu.api.TlbModel;
import org.kmemu.api.ZoneType;

/**
 * A configured riscv64 machine with Sv39 paging: little-endian, 4 KiB pages, three-level tables walked
 * by the hardware, all RAM in the linear map, zones DMA32 and Normal, no highmem. Immutable.
 */
final class Riscv64Spec implements ArchSpec {
    /**
     * _PAGE_KERNEL = R | W | V | A | D | G (arch/riscv/include/asm/pgtable.h): the linear map's leaves,
     * not executable (pgprot_from_va() gives PAGE_KERNEL outside the kernel mapping).
     */
    static final int PAGE_KERNEL = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.DIRTY | PteFlags.GLOBAL;
    /** PAGE_KERNEL_EXEC: what create_kernel_page_table() maps the image with early in setup_vm(). */
    static final int PAGE_KERNEL_EXEC = PAGE_KERNEL | PteFlags.EXEC;
    /** ZONE_DMA32's limit: dma32_phys_limit = min(4 GiB, PFN_PHYS(max_low_pfn)) (setup_bootmem()). */
    static final long DMA32_LIMIT = 4L << 30;

    private static final Set<ZoneType> ZONES = Collections.unmodifiableSet(EnumSet.of(ZoneType.DMA32, ZoneType.NORMAL));
    /**
     * The S-mode rules Linux runs with: the X bit is always honoured (NX), S-mode may never execute a U
     * page whatever sstatus.SUM says (SMEP), and S-mode touches U pages only with SUM set, which Linux does
     * only inside its uaccess routines (SMAP; __enable_user_access() in arch/riscv/include/asm/uaccess.h).
     */
    private static final Set<CpuFeature> FEATURES = Collections.unmodifiableSet(EnumSet.of(CpuFeature.NX, CpuFeature.SMEP,
            CpuFeature.SMAP));

    private final Riscv64Options options;

    Riscv64Spec(Riscv64Options options) {
        this.options = options;
    }

    @Override
    public String id() {
        return Riscv64Architecture.ID;
    }

    @Override
    public String description() {
        return "riscv64, Sv39 (3-level page tables, 39-bit virtual, 56-bit physical), linear map of all RAM, no highmem";
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public int pageShift() {
        return Sv39.PAGE_SHIFT;
    }

    @Override
    public int physAddressBits() {
        return Sv39.MAX_PHYSMEM_BITS;
    }

    @Override
    public int virtAddressBits() {
        return Sv39.VA_BITS;
    }

    @Override
    public int structPageBytes() {
        return options.structPageBytes();
    }

    @Override
    public Set<ZoneType> zoneTypes() {
        return ZONES;
    }

    /**
     * QEMU virt's DRAM at ram-base, its first firmware-reserved bytes marked reserved: the device tree's
     * no-map /reserved-memory nodes, which the kernel neither maps nor frees.
     */
    @Override
    public MemoryMap defaultMemoryMap(long ramBytes) {
        long fw = options.firmwareReserved();
        long minimum = options.kernelLoadAddress() - options.ramBase() + Sv39.PMD_SIZE;
        if (ramBytes < minimum) {
            throw new IllegalArgumentException(String.format("RAM size %d MiB (expected: at least %d MiB, to reach past the"
                    + " kernel load address %#x)", ramBytes >> 20, minimum >> 20, options.kernelLoadAddress()));
        }
        if (ramBytes > Sv39Layout.MEMORY_LIMIT) {
            throw new IllegalArgumentException(String.format("RAM size %d GiB (expected: at most %d GiB, the Sv39 linear map's"
                    + " memory_limit)", ramBytes >> 30, Sv39Layout.MEMORY_LIMIT >> 30));
        }
        List<MemoryRegion> regions = new ArrayList<>(2);
        if (fw > 0) {
            regions.add(new MemoryRegion(options.ramBase(), fw, RegionType.RESERVED));
        }
        regions.add(new MemoryRegion(options.ramBase() + fw, ramBytes - fw, RegionType.USABLE));
        return new MemoryMap(regions);
    }

    /** kernel_map.phys_addr: where OpenSBI's fw_jump put the image. */
    @Override
    public long kernelLoadAddress() {
        return options.kernelLoadAddress();
    }

    /** The firmware's areas are out of the map already (no-map); memblock reserves nothing else early. */
    @Override
    public List<MemoryRegion> earlyReservations(MemoryMap map) {
        return List.of();
    }

    @Override
    public KernelLayout layout(MemoryMap map) {
        return new Sv39Layout(map, options.kernelLoadAddress());
    }

    /** zone_sizes_init() of arch/riscv/mm/init.c: DMA32 up to dma32_phys_limit, Normal up to max_low_pfn. */
    @Override
    public long maxZonePfn(ZoneType zone, KernelLayout layout) {
        long maxLow = layout.maxLowPfn();
        switch (zone) {
            case DMA32:
                return Math.min(DMA32_LIMIT, maxLow << Sv39.PAGE_SHIFT) >>> Sv39.PAGE_SHIFT;
            case NORMAL:
                return maxLow;
            default:
                throw new IllegalArgumentException("zone: " + zone + " (expected: one of " + ZONES + " on riscv64)");
        }
    }

    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        return new Sv39Format();
    }

    @Override
    public TlbModel tlbModel() {
        return options.tlb();
    }

    /**
     * setup_vm_final() of arch/riscv/mm/init.c, in its order:
     * <ol>
     *   <li>the fixmap's tables (swapper_pg_dir's PGD entry for FIXADDR_START, fixmap_pmd, fixmap_pte),
     *       with no pages in them;</li>
     *   <li>create_linear_mapping_page_table(): every memblock range at __va(pa), each piece as large as
     *       best_map_size() allows: 2 MiB megapages where pa and va are 2 MiB aligned, 4 KiB pages at the
     *       unaligned edges (the firmware's no-map hole leaves one), PAGE_KERNEL;</li>
     *   <li>create_kernel_page_table(): the image at KERNEL_LINK_ADDR in 2 MiB megapages from _start to
     *       _end rounded up. The later split into read-only text and non-executable data
     *       (pgprot_from_va() with STRICT_KERNEL_RWX) and the read-only linear alias of the text are not
     *       modelled: the image is mapped PAGE_KERNEL_EXEC, as setup_vm()'s early mapping does.</li>
     * </ol>
     */
    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        List<KernelMapping> out = new ArrayList<>();
        out.add(new KernelMapping(Kind.FIXMAP, "fixmap", layout.fixaddrStart(), KernelMapping.TABLES_ONLY, Sv39.PMD_SIZE,
                PAGE_KERNEL, Sv39.PAGE_SIZE));
        long ramEnd = layout.maxPfn() << Sv39.PAGE_SHIFT;
        for (MemoryRegion r : map.usable()) {
            long start = (r.start() + Sv39.PAGE_SIZE - 1) & -Sv39.PAGE_SIZE;
            long end = Math.min(r.end() & -Sv39.PAGE_SIZE, ramEnd);
            if (end > start) {
                out.add(new KernelMapping(Kind.DIRECT_MAP, "linear map", layout.va(start), start, end - start, PAGE_KERNEL,
                        options.linearMapPageSize()));
            }
        }
        long start = imageStart & -Sv39.PMD_SIZE;
        long end = -(-imageEnd & -Sv39.PMD_SIZE);
        out.add(new KernelMapping(Kind.KERNEL_IMAGE, "kernel mapping", layout.kernelImageVa(start), start, end - start,
                PAGE_KERNEL_EXEC, Sv39.PMD_SIZE));
        return out;
    }

    /**
     * pgtable_cache_init() preallocates one PMD table per PGD slot of the vmalloc and modules areas
     * (preallocate_pgd_pages_range(), arch/riscv/mm/init.c), so process roots copied at pgd_alloc never miss
     * a kernel entry made later.
     */
    @Override
    public PgdSync pgdSync() {
        return PgdSync.PREALLOCATE_KERNEL_TABLES;
    }

    @Override
    public Set<CpuFeature> cpuFeatures() {
        return FEATURES;
    }

    @Override
    public List<String> faultReport(PageFault fault) {
        return RiscvFaultReport.lines(fault);
    }

    /** scause: 12, 13 or 15 for an instruction, load or store page fault. */
    @Override
    public int faultErrorCode(PageFault fault) {
        return RiscvFaultReport.cause(fault);
    }

    @Override
    public String toString() {
        return description();
    }
}
