package org.kmemu.arch.booke;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.VirtualArea;

/**
 * The ppc32 e500 kernel layout for one memory map. Lowmem is decided in MMU_init() of
 * arch/powerpc/mm/init_32.c:
 *
 * <ol>
 *   <li>total_lowmem = memblock_end_of_DRAM() - memstart_addr (all of DRAM, holes included);</li>
 *   <li>adjust_total_lowmem() (nohash/e500.c) maps min(CONFIG_LOWMEM_SIZE, total_lowmem) with TLB1 CAMs
 *       and sets __max_low_memory to what they cover ({@link TlbCamMap});</li>
 *   <li>if total_lowmem exceeds that, lowmem is clipped to it; without CONFIG_HIGHMEM the rest of RAM is
 *       dropped (memblock_enforce_memory_limit).</li>
 * </ol>
 *
 * Then max_low_pfn = lowmem_end_addr >> PAGE_SHIFT, max_pfn = end of (kept) DRAM (mem_topology_setup in
 * arch/powerpc/mm/mem.c), high_memory = __va(max_low_pfn << PAGE_SHIFT), VMALLOC_START =
 * (high_memory + VMALLOC_OFFSET) &amp; ~(VMALLOC_OFFSET - 1), VMALLOC_END = ioremap_bot = IOREMAP_TOP
 * (nohash/32/pgtable.h; no early ioremap has moved ioremap_bot down when the layout is taken).
 *
 * <p>__va/__pa are the BookE ones of asm/page.h: x + VIRT_PHYS_OFFSET and x - VIRT_PHYS_OFFSET, with
 * VIRT_PHYS_OFFSET = KERNELBASE - PHYSICAL_START (no CONFIG_RELOCATABLE), valid for lowmem only.
 */
final class BookeLayout implements KernelLayout {
    static final int PAGE_SHIFT = 12;
    static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** VMALLOC_OFFSET: a 16 MiB gap after lowmem to catch overruns (nohash/32/pgtable.h). */
    static final long VMALLOC_OFFSET = 0x1000000L;

    private final BookeOptions options;
    private final BookeFixmap fixmap;
    private final TlbCamMap cams;
    private final long maxPfn;
    private final long maxLowPfn;
    private final List<VirtualArea> areas;
    private final List<String> bootMessages;

    /**
     * @throws IllegalArgumentException if RAM lies below MEMORY_START or above the physical address limit
     */
    BookeLayout(BookeOptions options, BookeFixmap fixmap, MemoryMap map) {
        this.options = options;
        this.fixmap = fixmap;
        long memstart = options.physicalStart();
        long physLimit = 1L << options.physAddressBits();
        for (MemoryRegion r : map.usable()) {
            if (r.start() < memstart || r.end() > physLimit) {
                throw new IllegalArgumentException(String.format(
                        "memory map: RAM %s (expected: inside [MEMORY_START 0x%x, 0x%x), the %d-bit physical limit%s)",
                        r, memstart, physLimit, options.physAddressBits(),
                        options.phys64bit() ? "" : "; set phys-64bit for 36 bits"));
            }
        }
        long dramEnd = map.maxPfn(PAGE_SHIFT) << PAGE_SHIFT;
        long totalLowmem = dramEnd - memstart;
        this.cams = TlbCamMap.map(Math.min(options.lowmemSize(), totalLowmem), options.kernelbase(), memstart,
                options.lowmemCamNum(), options.tlbcamMaxSize());
        long maxLowMemory = cams.mappedBytes();
        long lowmem = Math.min(totalLowmem, maxLowMemory);
        long lowmemEnd = memstart + lowmem;
        this.maxLowPfn = lowmemEnd >>> PAGE_SHIFT;
        this.maxPfn = options.highmem() ? dramEnd >>> PAGE_SHIFT : maxLowPfn;
        this.areas = List.copyOf(buildAreas());
        this.bootMessages = buildBootMessages(totalLowmem);
        assert Long.compareUnsigned(vmallocStart(), vmallocEnd()) < 0 : this;
    }

    private List<VirtualArea> buildAreas() {
        // mem_init() of arch/powerpc/mm/mem.c prints fixmap, highmem PTEs, early ioremap (only when
        // ioremap_bot moved), vmalloc & ioremap; the direct map follows under the name i386 uses.
        List<VirtualArea> a = new ArrayList<>(4);
        a.add(new VirtualArea("fixmap", fixmap.fixaddrStart(), BookeFixmap.FIXADDR_TOP));
        if (fixmap.lastPkmap() != 0) {
            a.add(new VirtualArea("highmem PTEs", fixmap.pkmapBase(),
                    fixmap.pkmapBase() + ((long) fixmap.lastPkmap() << PAGE_SHIFT)));
        }
        a.add(new VirtualArea("vmalloc & ioremap", vmallocStart(), vmallocEnd()));
        a.add(new VirtualArea("lowmem", pageOffset(), highMemory()));
        return a;
    }

    private List<String> buildBootMessages(long totalLowmem) {
        List<String> m = new ArrayList<>();
        m.add(cams.message(totalLowmem));
        m.add("Kernel virtual memory layout:");
        for (VirtualArea va : areas) {
            if (!va.name().equals("lowmem")) {
                m.add(String.format("  * 0x%08x..0x%08x  : %s", va.start(), va.end(), va.name()));
            }
        }
        return List.copyOf(m);
    }

    /** @return the TLB1 CAM entries that map lowmem */
    TlbCamMap cams() {
        return cams;
    }

    /** @return VIRT_PHYS_OFFSET */
    long virtPhysOffset() {
        return options.virtPhysOffset();
    }

    /** @return PAGE_OFFSET = KERNELBASE on ppc32 */
    @Override
    public long pageOffset() {
        return options.kernelbase();
    }

    @Override
    public long taskSize() {
        return options.taskSize();
    }

    @Override
    public long maxPfn() {
        return maxPfn;
    }

    @Override
    public long maxLowPfn() {
        return maxLowPfn;
    }

    @Override
    public long highMemory() {
        return (maxLowPfn << PAGE_SHIFT) + options.virtPhysOffset();
    }

    @Override
    public long vmallocStart() {
        return (highMemory() + VMALLOC_OFFSET) & ~(VMALLOC_OFFSET - 1);
    }

    @Override
    public long vmallocEnd() {
        return fixmap.ioremapTop();
    }

    @Override
    public int lastPkmap() {
        return fixmap.lastPkmap();
    }

    @Override
    public long pkmapBase() {
        return fixmap.pkmapBase();
    }

    @Override
    public long fixaddrStart() {
        return fixmap.fixaddrStart();
    }

    @Override
    public long fixaddrTop() {
        return BookeFixmap.FIXADDR_TOP;
    }

    /** FIX_KMAP_BEGIN from the slot count that places FIXADDR_START ({@link BookeFixmap}); -1 without HIGHMEM. */
    @Override
    public int fixKmapBegin() {
        return fixmap.kmapBegin();
    }

    /** KM_MAX_IDX as configured (km-max-idx: 16, 33 with DEBUG_KMAP_LOCAL) with HIGHMEM; 0 without. */
    @Override
    public int kmapLocalSlots() {
        return fixmap.kmapSlotsPerCpu();
    }

    @Override
    public List<VirtualArea> areas() {
        return areas;
    }

    @Override
    public long pa(long vaddr) {
        if (!virtAddrValid(vaddr)) {
            throw new IllegalArgumentException(String.format(
                    "__pa: 0x%x (expected: lowmem [PAGE_OFFSET 0x%08x, high_memory 0x%08x))",
                    vaddr, pageOffset(), highMemory()));
        }
        return vaddr - options.virtPhysOffset();
    }

    @Override
    public long va(long paddr) {
        long start = options.physicalStart();
        long end = maxLowPfn << PAGE_SHIFT;
        if (Long.compareUnsigned(paddr, start) < 0 || Long.compareUnsigned(paddr, end) >= 0) {
            throw new IllegalArgumentException(String.format(
                    "__va: 0x%x (expected: lowmem [0x%x, 0x%x); highmem needs kmap)", paddr, start, end));
        }
        return paddr + options.virtPhysOffset();
    }

    /** virt_addr_valid(): PAGE_OFFSET &lt;= kaddr &lt; high_memory; FLATMEM makes every such pfn valid. */
    @Override
    public boolean virtAddrValid(long vaddr) {
        return Long.compareUnsigned(vaddr, pageOffset()) >= 0 && Long.compareUnsigned(vaddr, highMemory()) < 0;
    }

    @Override
    public List<String> bootMessages() {
        return bootMessages;
    }

    @Override
    public String toString() {
        return String.format("booke layout: lowmem 0x%08x..0x%08x, max_pfn 0x%x", pageOffset(), highMemory(), maxPfn);
    }
}
