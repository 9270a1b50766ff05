package org.kmemu.arch.booke;

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

/**
 * A configured PowerPC e500 (32-bit BookE, CONFIG_PPC_85xx): big-endian, 4 KiB pages, lowmem pinned in
 * TLB1 CAM entries, zones NORMAL (+ HIGHMEM). Immutable.
 *
 * <p>No ZONE_DMA: on 32-bit powerpc CONFIG_ZONE_DMA is selected only by PPC_PMAC
 * (arch/powerpc/platforms/powermac/Kconfig), so paging_init() in arch/powerpc/mm/mem.c fills only
 * ZONE_NORMAL = max_low_pfn and ZONE_HIGHMEM = max_pfn on an 85xx kernel.
 *
 * <p>MMU: the page-table format is {@link Pte85xxFormat} (32-bit PTEs) or {@link PteE500Format}
 * (CONFIG_PTE_64BIT); the TLB is refilled in software (head_85xx.S) into TLB0, with lowmem pinned in TLB1
 * ({@link #pinnedTranslations}).
 */
final class BookeSpec implements ArchSpec {
    /** PAGE_KERNEL_X: what map_mem_in_cams() gives the lowmem CAMs at boot (settlbcam with TID 0). */
    static final int KERNEL_RWX = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.EXEC | PteFlags.GLOBAL;
    /** PAGE_KERNEL: what kmap and the fixmap later put in the tables made in advance. */
    static final int KERNEL_RW = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL;

    private final BookeOptions options;
    private final BookeMmuOptions mmu;
    private final BookeFixmap fixmap;
    private final Set<ZoneType> zones;
    private final TlbModel tlb;
    private final BookeFaultReport faults;

    /** With the shipped MMU defaults (e500v2), for tests. */
    BookeSpec(BookeOptions options) {
        this(options, BookeMmuOptions.e500v2());
    }

    BookeSpec(BookeOptions options, BookeMmuOptions mmu) {
        this.options = options;
        this.mmu = mmu;
        this.fixmap = new BookeFixmap(options);
        this.zones = options.highmem()
                ? Collections.unmodifiableSet(EnumSet.of(ZoneType.NORMAL, ZoneType.HIGHMEM))
                : Collections.unmodifiableSet(EnumSet.of(ZoneType.NORMAL));
        this.tlb = new TlbModel(true, mmu.tlb0Entries() / mmu.tlb0Ways(), mmu.tlb0Ways(), mmu.tlb1Entries(),
                mmu.contextIds(), mmu.tlbilx());
        this.faults = new BookeFaultReport(options.nrCpus(), mmu.machine());
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

    /**
     * L1_CACHE_BYTES: 32 on e500v1/v2 (L1_CACHE_SHIFT 5; 64 only with CONFIG_PPC_E500MC,
     * arch/powerpc/include/asm/cache.h). KMALLOC_MIN_SIZE stays 8: 85xx is cache-coherent, so no
     * ARCH_DMA_MINALIGN raises it.
     */
    @Override
    public int cacheLineBytes() {
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
            throw new IllegalArgumentException(ramBytes + " (expected: a positive multiple of 4096 bytes)");
        }
        long limit = 1L << options.physAddressBits();
        if (ramBytes > limit - options.physicalStart()) {
            throw new IllegalArgumentException(String.format(
                    "0x%x (expected: at most 0x%x: RAM from 0x%x must end within %d physical bits%s)",
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

    /**
     * @return {@link Pte85xxFormat}, or {@link PteE500Format} with phys-64bit; _PAGE_COHERENT is part of
     *         _PAGE_BASE when NR_CPUS &gt; 1 (CONFIG_SMP)
     */
    @Override
    public PageTableFormat pageTableFormat(KernelLayout layout) {
        boolean smp = options.nrCpus() > 1;
        return options.phys64bit() ? new PteE500Format(layout, smp) : new Pte85xxFormat(layout, smp);
    }

    /** Software refill into TLB0 (sets = entries / ways); TLB1 holds the pinned CAMs. */
    @Override
    public TlbModel tlbModel() {
        return tlb;
    }

    /**
     * The TLB miss handlers take {@code swapper_pg_dir} for any address at or above PAGE_OFFSET and load the
     * entry with TID 0 (arch/powerpc/kernel/head_85xx.S, DataTLBError/InstructionTLBError), so a process
     * root's kernel half is never walked: a vmalloc made after the process's pgd_alloc is reachable at once.
     */
    @Override
    public PgdSync pgdSync() {
        return PgdSync.KERNEL_ROOT_WALK;
    }

    /**
     * What paging_init()/mapin_ram() leave in swapper_pg_dir, in order:
     *
     * <ol>
     *   <li><b>No lowmem PTEs.</b> mapin_ram() (arch/powerpc/mm/pgtable_32.c) writes PTEs for each memory
     *       range only from mmu_mapin_ram() on, and on e500 mmu_mapin_ram() returns the end of the last TLB1
     *       CAM (arch/powerpc/mm/nohash/e500.c); adjust_total_lowmem() has cut lowmem to what the CAMs map
     *       (__max_low_memory), so nothing is left to write: lowmem is reached through the pinned TLB1 entries
     *       ({@link #pinnedTranslations}) and never misses into the tables.</li>
     *   <li><b>pkmap</b> (CONFIG_HIGHMEM): one PTE page for LAST_PKMAP slots at PKMAP_BASE, made by paging_init()
     *       (arch/powerpc/mm/mem.c: map_kernel_page(PKMAP_BASE, 0, __pgprot(0)), pkmap_page_table =
     *       virt_to_kpte(PKMAP_BASE)).</li>
     *   <li><b>fixmap</b>, FIXADDR_START..FIXADDR_TOP: tables only, filled later by __set_fixmap/kmap_local.</li>
     * </ol>
     * No separate image mapping: the kernel runs inside lowmem at KERNELBASE.
     */
    @Override
    public List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd) {
        List<KernelMapping> out = new ArrayList<>();
        if (layout.lastPkmap() > 0) {
            out.add(new KernelMapping(Kind.PKMAP, "pkmap", layout.pkmapBase(), KernelMapping.TABLES_ONLY,
                    (long) layout.lastPkmap() << BookeLayout.PAGE_SHIFT, KERNEL_RW, BookeLayout.PAGE_SIZE));
        }
        out.add(new KernelMapping(Kind.FIXMAP, "fixmap", layout.fixaddrStart(), KernelMapping.TABLES_ONLY,
                layout.fixaddrTop() - layout.fixaddrStart(), KERNEL_RW, BookeLayout.PAGE_SIZE));
        return List.copyOf(out);
    }

    /**
     * The lowmem TLB1 entries map_mem_in_cams() programs (arch/powerpc/mm/nohash/e500.c): entry i maps
     * (PAGE_OFFSET + offset, memstart_addr + offset) with the size {@link TlbCamMap} computed, PAGE_KERNEL_X and
     * TID 0 (settlbcam: SR, SW, SX; no user bits for a kernel address; IPROT so that no flush removes it).
     *
     * @throws IllegalArgumentException if {@code layout} is not this plugin's
     * @throws IllegalStateException    if there are more CAMs than TLB1 entries
     */
    @Override
    public List<KernelMapping> pinnedTranslations(KernelLayout layout) {
        if (!(layout instanceof BookeLayout bl)) {
            throw new IllegalArgumentException("layout: " + layout + " (expected: one made by this booke spec)");
        }
        long[] sizes = bl.cams().camSizes();
        if (sizes.length > mmu.tlb1Entries()) {
            throw new IllegalStateException("TLB1 CAMs: " + sizes.length + " (expected: at most tlb1-entries = "
                    + mmu.tlb1Entries() + ")");
        }
        List<KernelMapping> out = new ArrayList<>(sizes.length);
        long offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            out.add(new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM " + i, bl.pageOffset() + offset, options.physicalStart() + offset,
                    sizes[i], KERNEL_RWX, sizes[i]));
            offset += sizes[i];
        }
        return List.copyOf(out);
    }

    /**
     * A TLB1 entry in the words of the e500 core manual and settlbcam() (arch/powerpc/mm/nohash/e500.c): the
     * entry select ESEL is its index; MAS1 holds V, IPROT, TID 0 and TSIZE = ilog2(size) - 10 as settlbcam
     * computes it; MAS2 the EPN (effective page) and WIMGE (M: coherent, set on SMP); MAS3 (and MAS7 above 4 GiB)
     * the RPN (real page) and the permissions SR/SW/SX for a kernel address, UR/UW/UX for a user one.
     */
    @Override
    public String describePinned(int index, KernelMapping entry) {
        int flags = entry.flags();
        boolean user = (flags & PteFlags.USER) != 0;
        StringBuilder perms = new StringBuilder(user ? "UR" : "SR");
        if ((flags & PteFlags.WRITE) != 0) {
            perms.append(user ? " UW" : " SW");
        }
        if ((flags & PteFlags.EXEC) != 0) {
            perms.append(user ? " UX" : " SX");
        }
        int rpnDigits = (options.physAddressBits() + 3) / 4;
        return String.format("TLB1[%d]: EPN 0x%08x RPN 0x%0" + rpnDigits + "x TSIZE %d (%s) V IPROT TID 0 %s%s", index,
                entry.virt(), entry.phys(), Long.numberOfTrailingZeros(entry.size()) - 10, size(entry.size()), perms,
                options.nrCpus() > 1 ? " M" : "");
    }

    private static String size(long bytes) {
        return bytes >= 1L << 30 ? (bytes >> 30) + " GiB" : bytes >= 1L << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    /**
     * {NX}: execute permission on e500 is a positive bit (_PAGE_EXEC / BAP_SX / BAP_UX) that the instruction
     * TLB miss handler requires ("Make up the required permissions", head_85xx.S), so it is always enforced.
     */
    @Override
    public Set<CpuFeature> cpuFeatures() {
        return Set.of(CpuFeature.NX);
    }

    /** The bus error machine check of {@link BookeMachineCheck}. */
    @Override
    public List<String> busErrorReport(long paddr, int size, org.kmemu.api.Access access, int cpu) {
        return new BookeMachineCheck(faults.dieBanner()).report(paddr, access);
    }

    /** @see BookeFaultReport */
    @Override
    public List<String> faultReport(PageFault fault) {
        return faults.report(fault);
    }

    /** The ESR the data or instruction storage interrupt leaves for do_page_fault: ESR_ST on a store. */
    @Override
    public int faultErrorCode(PageFault fault) {
        return BookeFaultReport.esr(fault);
    }

    @Override
    public String toString() {
        return description();
    }

    /**
     * WIMG bits of arch/powerpc/include/asm/pgtable.h: {@code pgprot_noncached} (ioremap, ioremap_uc) is
     * _PAGE_NO_CACHE | _PAGE_GUARDED, {@code pgprot_noncached_wc} (ioremap_wc) _PAGE_NO_CACHE alone,
     * {@code pgprot_cached} (ioremap_cache/coherent) neither.
     */
    @Override
    public int ioremapPteFlags(org.kmemu.api.PageCacheMode mode) {
        return switch (mode) {
            case WB -> 0;
            case WC -> PteFlags.NO_CACHE;
            case UC_MINUS, UC -> PteFlags.NO_CACHE | PteFlags.GUARDED;
        };
    }

    /** ppc32's __ioremap_caller (arch/powerpc/mm/ioremap_32.c) checks the first page against lowmem RAM. */
    @Override
    public org.kmemu.api.IoremapRamCheck ioremapRamCheck() {
        return org.kmemu.api.IoremapRamCheck.FIRST_PAGE_IF_LOWMEM;
    }
}
