package org.kmemu.arch.i386;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.VirtualArea;

/**
 * The i386 kernel's virtual layout for one machine: the build-time {@link FixedAreas} plus the
 * lowmem/highmem split of its RAM. The direct map is {@code __pa(x) = x - PAGE_OFFSET} and
 * {@code __va(x) = x + PAGE_OFFSET}, valid only for lowmem (arch/x86/include/asm/page_32.h); the
 * kernel image lies inside it, so {@link #kernelImageVa} is {@link #va}.
 *
 * <p>Construction runs the sanity checks of {@code mem_init()} (arch/x86/mm/init_32.c); a layout that
 * would hit one of its BUG_ONs is refused with an IllegalArgumentException naming the check.
 * Immutable and thread-safe.
 */
final class I386Layout implements KernelLayout {
    private final FixedAreas areas;
    private final LowmemSplit split;
    private final long vmallocStart;

    /**
     * @param areas the build-time areas
     * @param split the RAM split
     * @throws IllegalArgumentException if a mem_init BUG_ON would fire
     */
    I386Layout(FixedAreas areas, LowmemSplit split) {
        this.areas = areas;
        this.split = split;
        this.vmallocStart = areas.vmallocStart(split.highMemory());
        checkMemInit();
    }

    private void checkMemInit() {
        if (areas.highmem()) {
            long pkmapEnd = areas.pkmapBase() + areas.lastPkmap() * FixedAreas.PAGE_SIZE;
            bugOn(pkmapEnd > areas.fixaddrStart(), "PKMAP_BASE + LAST_PKMAP*PAGE_SIZE", pkmapEnd,
                    ">", "FIXADDR_START", areas.fixaddrStart());
            bugOn(areas.vmallocEnd() > areas.pkmapBase(), "VMALLOC_END", areas.vmallocEnd(),
                    ">", "PKMAP_BASE", areas.pkmapBase());
        }
        bugOn(vmallocStart >= areas.vmallocEnd(), "VMALLOC_START", vmallocStart,
                ">=", "VMALLOC_END", areas.vmallocEnd());
        bugOn(split.highMemory() > vmallocStart, "high_memory", split.highMemory(),
                ">", "VMALLOC_START", vmallocStart);
    }

    private static void bugOn(boolean fires, String left, long leftValue, String op, String right, long rightValue) {
        if (fires) {
            throw new IllegalArgumentException(String.format(
                    "mem_init: BUG_ON(%s %s %s): %s %#010x, %s %#010x (expected: the check not to fire;"
                            + " a smaller vmalloc reserve or another vmsplit leaves room)",
                    left, op, right, left, leftValue, right, rightValue));
        }
    }

    @Override
    public long pageOffset() {
        return areas.pageOffset();
    }

    /** TASK_SIZE is PAGE_OFFSET on 32-bit (arch/x86/include/asm/page_32_types.h). */
    @Override
    public long taskSize() {
        return areas.pageOffset();
    }

    @Override
    public long maxPfn() {
        return split.maxPfn();
    }

    @Override
    public long maxLowPfn() {
        return split.maxLowPfn();
    }

    @Override
    public long highMemory() {
        return split.highMemory();
    }

    @Override
    public long vmallocStart() {
        return vmallocStart;
    }

    @Override
    public long vmallocEnd() {
        return areas.vmallocEnd();
    }

    @Override
    public int lastPkmap() {
        return areas.lastPkmap();
    }

    @Override
    public long pkmapBase() {
        return areas.pkmapBase();
    }

    @Override
    public long fixaddrStart() {
        return areas.fixaddrStart();
    }

    @Override
    public long fixaddrTop() {
        return FixedAreas.FIXADDR_TOP;
    }

    /** FIX_KMAP_BEGIN from the same {@link Fixmap} count that places FIXADDR_START; -1 without HIGHMEM. */
    @Override
    public int fixKmapBegin() {
        return areas.fixmap().kmapBegin();
    }

    /** KM_MAX_IDX (16) with HIGHMEM, which selects KMAP_LOCAL; 0 without. */
    @Override
    public int kmapLocalSlots() {
        return areas.fixmap().kmapSlotsPerCpu();
    }

    /** @return CPU_ENTRY_AREA_BASE (CURRENT layout), else 0 */
    long cpuEntryAreaBase() {
        return areas.cpuEntryAreaBase();
    }

    /** @return LDT_BASE_ADDR (CURRENT layout), else 0 */
    long ldtBase() {
        return areas.ldtBase();
    }

    /**
     * The areas in the order of mem_init's "virtual kernel memory layout" message (init_32.c): fixmap,
     * cpu_entry (4.15+ only), pkmap (HIGHMEM only), vmalloc, lowmem. The image sections (.init, .data,
     * .text) that followed are the core's, which places the image.
     */
    @Override
    public List<VirtualArea> areas() {
        List<VirtualArea> list = new ArrayList<>(5);
        list.add(new VirtualArea("fixmap", areas.fixaddrStart(), FixedAreas.FIXADDR_TOP));
        if (areas.generation() == LayoutGeneration.CURRENT) {
            list.add(new VirtualArea("cpu_entry", areas.cpuEntryAreaBase(),
                    areas.cpuEntryAreaBase() + areas.cpuEntryAreaMapSize()));
        }
        if (areas.highmem()) {
            list.add(new VirtualArea("pkmap", areas.pkmapBase(),
                    areas.pkmapBase() + areas.lastPkmap() * FixedAreas.PAGE_SIZE));
        }
        list.add(new VirtualArea("vmalloc", vmallocStart, areas.vmallocEnd()));
        list.add(new VirtualArea("lowmem", areas.pageOffset(), split.highMemory()));
        return List.copyOf(list);
    }

    @Override
    public long pa(long vaddr) {
        if (!isLowmemVirt(vaddr)) {
            throw new IllegalArgumentException(String.format(
                    "__pa: %#010x (expected: a lowmem address in [%#010x, %#010x), PAGE_OFFSET to high_memory)",
                    vaddr, areas.pageOffset(), split.highMemory()));
        }
        return vaddr - areas.pageOffset();
    }

    @Override
    public long va(long paddr) {
        long lowmemEnd = split.maxLowPfn() << FixedAreas.PAGE_SHIFT;
        if (paddr < 0 || paddr >= lowmemEnd) {
            throw new IllegalArgumentException(String.format(
                    "__va: %#x (expected: a lowmem physical address below %#x, max_low_pfn %#x;"
                            + " highmem has no direct mapping, use kmap)", paddr, lowmemEnd, split.maxLowPfn()));
        }
        return paddr + areas.pageOffset();
    }

    /**
     * {@code virt_addr_valid()} as the api defines it: a direct-mapped address of lowmem. Every pfn below
     * max_low_pfn is pfn_valid() on i386's FLATMEM, holes included. Note that the kernel's
     * {@code __virt_addr_valid} (arch/x86/mm/physaddr.c) only excludes vmalloc and the fixmap, so it also
     * says true for the 8 MiB gap, pkmap and cpu_entry_area when the pfn they alias is valid; we do not
     * copy that looseness.
     */
    @Override
    public boolean virtAddrValid(long vaddr) {
        return isLowmemVirt(vaddr);
    }

    private boolean isLowmemVirt(long vaddr) {
        return vaddr >= areas.pageOffset() && vaddr < split.highMemory();
    }

    @Override
    public List<String> bootMessages() {
        return split.messages();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("virtual kernel memory layout:");
        for (VirtualArea a : areas()) {
            sb.append(String.format("%n    %-7s : %#010x - %#010x", a.name(), a.start(), a.end()));
        }
        return sb.toString();
    }
}
