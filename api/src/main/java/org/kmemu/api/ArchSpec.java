package org.kmemu.api;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;

/**
 * One configured architecture: the immutable facts the core needs to boot a machine on it. Made by
 * {@link Architecture#configure(ConfigView)} from the plugin's config subtree; thread-safe.
 *
 * <p><b>Caller and thread.</b> The core, during boot on the main thread (memory map, layout, page-table
 * format, boot mappings), then from any CPU's thread (fault reports, the TLB model), so every method is
 * thread-safe and side-effect free. <b>Failure.</b> A memory map or size the architecture cannot boot is a
 * {@link ConfigException} naming the key; any other exception stops the boot as a plugin bug. <b>TCK.</b>
 * {@code ArchitectureContractTest} checks every method of the spec it configures.
 *
 * @since 1.0
 */
public interface ArchSpec {

    /** @return the architecture's id, the same as {@link Architecture#id()} */
    String id();

    /** @return a one-line description of this configuration, e.g. "i386, 2-level page tables, HIGHMEM4G" */
    String description();

    /** @return the byte order of memory (big-endian on PowerPC) */
    ByteOrder byteOrder();

    /** @return PAGE_SHIFT: log2 of the base page size (12 for 4 KiB) */
    int pageShift();

    /** @return how many bits of physical address the configuration can reach (32 for i386 non-PAE) */
    int physAddressBits();

    /** @return how many bits of virtual address (32, 48 or 57) */
    int virtAddressBits();

    /** @return sizeof(struct page) on this architecture: boot reserves that much per frame for mem_map */
    int structPageBytes();

    /**
     * @return the zone types this architecture configures (ZONE_MOVABLE need not be listed); callers
     *         order them by {@link ZoneType}, not by the set's iteration order
     */
    Set<ZoneType> zoneTypes();

    /**
     * The memory map firmware would typically report for a machine with this much RAM, used when the
     * config gives only {@code kmemu.memory.size}. As on real machines, the firmware's own holes may
     * hide part of the RAM (on a PC the legacy window from 640 KiB to 1 MiB) or move it (RAM that
     * would overlap the PCI hole below 4 GiB continues above 4 GiB).
     *
     * @param ramBytes the RAM size, a whole number of pages
     * @return the firmware's memory map for that much RAM
     * @throws IllegalArgumentException if the architecture cannot hold that much RAM; the user sees the
     *         message after {@code file:line: kmemu.memory.size: }, so it is the refused size and the rule,
     *         {@code "0x200000000 (expected: at most 0xc0000000, since ...)"}, in config terms, not Java names
     */
    MemoryMap defaultMemoryMap(long ramBytes);

    /**
     * The architecture's corrections to the firmware map before memblock reads it. On x86,
     * {@code trim_bios_range()} (arch/x86/kernel/setup.c) turns page 0, the BIOS data area, from
     * usable into reserved, which is why x86 zones start at pfn 1. Applied to default and
     * user-written maps alike; boot prints the firmware's map as given and uses the result.
     *
     * @param firmwareMap the map as firmware (or the config) reports it
     * @return the map the kernel works with; by default {@code firmwareMap} unchanged
     */
    default MemoryMap sanitizeFirmwareMap(MemoryMap firmwareMap) {
        return firmwareMap;
    }

    /**
     * @return CONFIG_PHYSICAL_START: where the kernel image is loaded (16 MiB on x86, 0 on PowerPC)
     */
    long kernelLoadAddress();

    /**
     * Ranges that memblock reserves before anything else allocates: the first page on x86 (BIOS data),
     * or the first 1 MiB on recent x86 kernels. The kernel image and mem_map are reserved by the core.
     *
     * @param map the memory map
     * @return the ranges to reserve, possibly empty
     */
    List<MemoryRegion> earlyReservations(MemoryMap map);

    /**
     * Computes the kernel's virtual layout for a memory map: PAGE_OFFSET, the lowmem limit, vmalloc,
     * pkmap, fixmap.
     *
     * @param map the validated memory map
     * @return the layout
     * @throws IllegalArgumentException if RAM lies beyond what this configuration can address; the
     *         message says what the limit is
     */
    KernelLayout layout(MemoryMap map);

    /**
     * The end pfn (exclusive) of a zone, the value {@code zone_sizes_init()} stores in
     * {@code max_zone_pfns[]}. The core makes each zone span from the previous zone's end to this,
     * clipped to RAM.
     *
     * @param zone   a type from {@link #zoneTypes()}
     * @param layout this architecture's layout for the machine
     * @return the first pfn above the zone
     */
    long maxZonePfn(ZoneType zone, KernelLayout layout);

    /**
     * The page-table format of this configuration. Made once per machine, after the layout, because
     * some formats need it (on e500 the PGD holds the kernel virtual address of each PTE page).
     *
     * @param layout this architecture's layout for the machine
     * @return the format
     */
    PageTableFormat pageTableFormat(KernelLayout layout);

    /** @return how the TLB is sized and filled (hardware walk on x86, software refill on e500) */
    TlbModel tlbModel();

    /**
     * How new kernel root entries reach process roots made earlier. Who calls: boot, once, and the
     * kernel's {@code pgd_alloc}. Default: {@link PgdSync#PREALLOCATE_KERNEL_TABLES}, which is right for
     * any format (it costs one table per root slot of the vmalloc range).
     *
     * @return the model
     */
    default PgdSync pgdSync() {
        return PgdSync.PREALLOCATE_KERNEL_TABLES;
    }

    /**
     * Whether {@code pgd_alloc} fills every user root entry with a zeroed table at once and
     * {@code pgd_free} frees them: i386 PAE, whose four PDPTEs the CPU loads at each CR3 write and does
     * not re-read, so they must not change under a running mm ({@code preallocate_pmds} and
     * {@code pgd_prepopulate_pmd}, arch/x86/mm/pgtable.c). Default: false (tables below the root come with
     * the first fault).
     *
     * @return whether user root entries are populated at pgd_alloc
     */
    default boolean prepopulateUserRoot() {
        return false;
    }

    /**
     * The kernel mappings boot installs in {@code swapper_pg_dir}, in order: the direct map of lowmem
     * (x86 {@code init_memory_mapping}, ppc32 {@code mapin_ram}), the kernel image mapping where it is
     * separate (x86_64's __START_KERNEL_map), and page tables made in advance without pages (i386 and
     * ppc32 pkmap and fixmap: {@code permanent_kmaps_init}, {@code early_fixmap_init}).
     *
     * @param layout     this architecture's layout for the machine
     * @param map        the memory map the kernel works with
     * @param imageStart physical address of the kernel image (_text)
     * @param imageEnd   physical address past its end (_end)
     * @return the mappings
     */
    List<KernelMapping> kernelMappings(KernelLayout layout, MemoryMap map, long imageStart, long imageEnd);

    /**
     * Translations pinned in the TLB at boot that never miss and are never flushed: e500's TLB1
     * entries for lowmem ({@code map_mem_in_cams}). Default: none.
     *
     * @param layout this architecture's layout for the machine
     * @return the pinned translations (virt, phys, size, flags; maxPageSize is the entry size)
     */
    default List<KernelMapping> pinnedTranslations(KernelLayout layout) {
        return List.of();
    }

    /**
     * One pinned translation as the architecture's manuals name its fields, for {@code kmemu translate}
     * and {@code kmemu layout} (e500: "TLB1[0]: EPN 0xc0000000 RPN 0x00000000 TSIZE 18 (256 MiB) ...").
     * Called by the core on any thread, rarely (reports only); must not fail for an entry this spec
     * returned from {@link #pinnedTranslations}. Default: a generic line.
     *
     * @param index the entry's position in {@link #pinnedTranslations}, which is its hardware index
     * @param entry the entry
     * @return one line, without indentation
     */
    default String describePinned(int index, KernelMapping entry) {
        return String.format("pinned entry %d: virt %#x -> phys %#x, %d KiB", index, entry.virt(), entry.phys(),
                entry.size() >> 10);
    }

    /** @return the MMU features the configured CPU model has switched on (NX, SMEP, SMAP) */
    Set<CpuFeature> cpuFeatures();

    /**
     * The kernel's report of a page fault it cannot handle (an oops), in this architecture's words:
     * x86's "BUG: unable to handle page fault for address: ...", "#PF: ..." lines and the page-table
     * dump (arch/x86/mm/fault.c); ppc32's "BUG: Unable to handle kernel data access ..." (arch/powerpc/mm/fault.c).
     *
     * @param fault what faulted
     * @return the report, one line per element
     */
    List<String> faultReport(PageFault fault);

    /**
     * The error word the CPU hands the kernel's page-fault handler with this fault, in the architecture's
     * own bits: x86's #PF error code (X86_PF_PROT, X86_PF_WRITE, X86_PF_USER, X86_PF_RSVD, X86_PF_INSTR;
     * arch/x86/include/asm/trap_pf.h), BookE's ESR (ESR_ST for a store; arch/powerpc/include/asm/reg_booke.h).
     * The core passes it to its page-fault handler next to the decoded access, as do_page_fault receives
     * {@code error_code}. Called by the core on the faulting CPU's thread, once per fault; must not fail.
     * Default: 0, for an architecture whose CPU reports no such word.
     *
     * @param fault what faulted
     * @return the error code
     */
    default int faultErrorCode(PageFault fault) {
        return 0;
    }

    /**
     * @return L1_CACHE_BYTES: the cache line SLAB_HWCACHE_ALIGN aligns to (64 on x86; e500v2 has 32)
     */
    default int cacheLineBytes() {
        return 64;
    }

    /**
     * @return KMALLOC_MIN_SIZE: the smallest kmalloc cache (8 unless ARCH_KMALLOC_MINALIGN or
     *         ARCH_DMA_MINALIGN raise it; include/linux/slab.h)
     */
    default int kmallocMinSize() {
        return 8;
    }

    /**
     * The kernel's report when a CPU access reaches a physical address with no RAM and no device behind
     * it: the bus error the architecture raises, in its words (x86: a machine check exception; BookE: a
     * machine check with the MCSR's bus-error cause, arch/powerpc/kernel/traps.c). The core prints it and
     * stops the access's caller, as the kernel's die() or panic() does. Called on the accessing CPU's
     * thread; must not fail. Default: one generic line.
     *
     * @param paddr  the physical address accessed
     * @param size   the access size in bytes
     * @param access what kind of access
     * @param cpu    the CPU number
     * @return the report, one line per element
     * @since 1.2
     */
    default List<String> busErrorReport(long paddr, int size, Access access, int cpu) {
        return List.of(String.format("CPU %d: bus error: %s of %d bytes at physical address %#x (no RAM or device there)",
                cpu, access.name().toLowerCase(java.util.Locale.ROOT), size, paddr));
    }

    /**
     * The page-table flags an {@code ioremap} mapping of this cache mode gets, on top of PAGE_KERNEL's present,
     * writable, global, accessed and dirty bits. x86 answers through the PAT entries Linux programs
     * ({@code pat_init}, arch/x86/mm/pat/memtype.c: index 0 WB, 1 WC, 2 UC-, 3 UC, so WC is PWT alone,
     * UC- is PCD, UC is PCD|PWT); e500 through its WIMG bits ({@code pgprot_noncached}: I|G,
     * {@code pgprot_noncached_wc}: I; arch/powerpc/include/asm/pgtable.h). Called by the core on any thread;
     * must not fail. Default: asm-generic's, where write-combining falls back to uncached.
     *
     * @param mode the cache mode asked for
     * @return {@link PteFlags} cache bits (NO_CACHE, WRITE_THROUGH, GUARDED), 0 for cached
     * @since 1.2
     */
    default int ioremapPteFlags(PageCacheMode mode) {
        return mode == PageCacheMode.WB ? 0 : PteFlags.NO_CACHE;
    }

    /**
     * @return how {@code ioremap} refuses RAM on this architecture; default the x86 rule
     * @since 1.2
     */
    default IoremapRamCheck ioremapRamCheck() {
        return IoremapRamCheck.EVERY_PAGE_UNLESS_RESERVED;
    }

    /**
     * Whether the CPU has a separate I/O port space (x86's {@code in}/{@code out} instructions, the
     * {@code ioport_resource} tree that /proc/ioports shows and request_region claims from). Called by the
     * core once at boot. Default: false (memory-mapped I/O only, as on PowerPC).
     *
     * @return whether the machine has I/O ports
     * @since 1.2
     */
    default boolean hasIoPortSpace() {
        return false;
    }
}
