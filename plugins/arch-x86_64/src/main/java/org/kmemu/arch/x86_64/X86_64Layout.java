package org.kmemu.arch.x86_64;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.VirtualArea;

/**
 * The x86_64 kernel virtual layout for one memory map: a flat direct map of all RAM at PAGE_OFFSET,
 * the kernel image's own mapping at __START_KERNEL_map, and the fixed areas of
 * Documentation/arch/x86/x86_64/mm.rst. No highmem: max_low_pfn == max_pfn (arch/x86/mm/init.c
 * init_mem_mapping raises max_low_pfn to max_pfn on 64-bit before zone_sizes_init reads it).
 *
 * <p>KASLR (CONFIG_RANDOMIZE_MEMORY / RANDOMIZE_BASE) is not modelled: the bases are the fixed
 * defaults a {@code nokaslr} boot uses, KERNEL_IMAGE_SIZE is 512 MiB and phys_base is 0 because the
 * image runs where it is linked (CONFIG_PHYSICAL_START). KASAN is not modelled either, so its shadow
 * is not listed.
 *
 * <p>{@link #pa} follows __phys_addr() of arch/x86/mm/physaddr.c with CONFIG_DEBUG_VIRTUAL: an address
 * at or above __START_KERNEL_map must lie inside the kernel image mapping; anything else must be a
 * direct-map address, here also below high_memory.
 */
final class X86_64Layout implements KernelLayout {
    static final int PAGE_SHIFT = 12;
    static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** __START_KERNEL_map (arch/x86/include/asm/page_64_types.h). */
    static final long START_KERNEL_MAP = 0xffffffff80000000L;
    /** KERNEL_IMAGE_SIZE without CONFIG_RANDOMIZE_BASE: 512 MiB (arch/x86/include/asm/page_64_types.h). */
    static final long KERNEL_IMAGE_SIZE = 512L << 20;
    /** MODULES_VADDR = __START_KERNEL_map + KERNEL_IMAGE_SIZE (arch/x86/include/asm/pgtable_64_types.h). */
    static final long MODULES_VADDR = START_KERNEL_MAP + KERNEL_IMAGE_SIZE;
    /** MODULES_END (arch/x86/include/asm/pgtable_64_types.h). */
    static final long MODULES_END = 0xffffffffff000000L;
    /** CPU_ENTRY_AREA_BASE: PGD slot -4, 0.5 TiB (arch/x86/include/asm/pgtable_areas.h, mm.rst). */
    static final long CPU_ENTRY_AREA_BASE = 0xfffffe0000000000L;
    /** ESPFIX_BASE_ADDR: PGD slot -2, 0.5 TiB (arch/x86/include/asm/pgtable_64_types.h, mm.rst). */
    static final long ESPFIX_BASE_ADDR = 0xffffff0000000000L;
    /** P4D_SIZE: the size of cpu_entry_area and espfix (one 512 GiB entry). */
    static final long P4D_SIZE = 1L << 39;
    /** EFI_VA_END, the low end of the EFI runtime window (arch/x86/include/asm/efi.h: -68 GiB). */
    static final long EFI_VA_END = -68L << 30;
    /** EFI_VA_START, its high end (-4 GiB). */
    static final long EFI_VA_START = -4L << 30;
    /** SECTION_SIZE_BITS on x86_64 (arch/x86/include/asm/sparsemem.h): pfn_valid() granularity. */
    static final int SECTION_SIZE_BITS = 27;

    private final PagingMode mode;
    private final Fixmap fixmap;
    private final long physBase;
    private final long maxPfn;
    private final long[] ramSections; // pairs [firstSection, endSection) covering usable RAM
    private final List<VirtualArea> areas;
    private final List<String> bootMessages;

    /**
     * @param options the configuration
     * @param fixmap  the fixmap it gives
     * @param map     the memory map
     * @throws IllegalArgumentException if RAM ends above MAXMEM
     */
    X86_64Layout(X86_64Options options, Fixmap fixmap, MemoryMap map) {
        this.mode = options.mode();
        this.fixmap = fixmap;
        this.physBase = 0; // the image runs at CONFIG_PHYSICAL_START, where it is linked
        long maxArchPfn = mode.maxMemBytes() >>> PAGE_SHIFT;
        long ramEndPfn = map.maxPfn(PAGE_SHIFT);
        if (ramEndPfn > maxArchPfn) {
            // e820__end_of_ram_pfn would silently drop it; the SPI asks for an error naming the limit
            throw new IllegalArgumentException(String.format(
                    "memory map: RAM ends at 0x%x (expected: at most MAXMEM 0x%x = 1 << MAX_PHYSMEM_BITS %d "
                            + "with %d-level paging)", ramEndPfn << PAGE_SHIFT, mode.maxMemBytes(),
                    mode.maxPhysmemBits(), mode.levels()));
        }
        this.maxPfn = E820EndPfn.endPfn(map, maxArchPfn, maxArchPfn);
        assert maxPfn == ramEndPfn : maxPfn + " != " + ramEndPfn;
        this.ramSections = ramSections(map);
        this.areas = List.copyOf(buildAreas());
        this.bootMessages = buildBootMessages(map, maxArchPfn);
    }

    private static long[] ramSections(MemoryMap map) {
        List<MemoryRegion> usable = map.usable();
        long[] s = new long[usable.size() * 2];
        int i = 0;
        for (MemoryRegion r : usable) {
            s[i++] = r.start() >>> SECTION_SIZE_BITS;
            s[i++] = ((r.end() - 1) >>> SECTION_SIZE_BITS) + 1;
        }
        return s;
    }

    private List<VirtualArea> buildAreas() {
        List<VirtualArea> a = new ArrayList<>();
        a.add(new VirtualArea("guard hole", mode.kernelHalfStart(), mode.ldtBase()));
        a.add(new VirtualArea("LDT remap", mode.ldtBase(), mode.ldtEnd()));
        a.add(new VirtualArea("direct map", mode.pageOffset(), mode.pageOffset() + mode.directMapBytes()));
        a.add(new VirtualArea("vmalloc", mode.vmallocStart(), mode.vmallocEnd()));
        a.add(new VirtualArea("vmemmap", mode.vmemmapBase(), mode.vmemmapBase() + mode.vmemmapBytes()));
        a.add(new VirtualArea("cpu_entry_area", CPU_ENTRY_AREA_BASE, CPU_ENTRY_AREA_BASE + P4D_SIZE));
        a.add(new VirtualArea("espfix", ESPFIX_BASE_ADDR, ESPFIX_BASE_ADDR + P4D_SIZE));
        a.add(new VirtualArea("EFI", EFI_VA_END, EFI_VA_START));
        a.add(new VirtualArea("kernel text", START_KERNEL_MAP, START_KERNEL_MAP + KERNEL_IMAGE_SIZE));
        a.add(new VirtualArea("modules", MODULES_VADDR, MODULES_END));
        if (fixmap.hasVsyscallPage()) {
            // mm.rst draws the fixmap up to the vsyscall page; the slots above it are unused
            a.add(new VirtualArea("fixmap", fixmap.fixaddrStart(), Fixmap.VSYSCALL_ADDR));
            a.add(new VirtualArea("vsyscall", Fixmap.VSYSCALL_ADDR, Fixmap.VSYSCALL_ADDR + PAGE_SIZE));
        } else {
            a.add(new VirtualArea("fixmap", fixmap.fixaddrStart(), Fixmap.FIXADDR_TOP));
        }
        for (int i = 1; i < a.size(); i++) {
            assert Long.compareUnsigned(a.get(i - 1).end(), a.get(i).start()) <= 0 : a.get(i - 1) + " / " + a.get(i);
        }
        return a;
    }

    private List<String> buildBootMessages(MemoryMap map, long maxArchPfn) {
        // setup_arch(): e820__end_of_ram_pfn(), then e820__end_of_low_ram_pfn() when RAM passes 4 GiB
        List<String> m = new ArrayList<>(2);
        m.add(E820EndPfn.message(maxPfn, maxArchPfn));
        long fourGibPfn = 1L << (32 - PAGE_SHIFT);
        if (maxPfn > fourGibPfn) {
            m.add(E820EndPfn.message(E820EndPfn.endPfn(map, fourGibPfn, maxArchPfn), maxArchPfn));
        }
        return List.copyOf(m);
    }

    /** @return the paging mode */
    PagingMode mode() {
        return mode;
    }

    /** @return phys_base: 0, since KASLR and relocation are not modelled */
    long physBase() {
        return physBase;
    }

    @Override
    public long pageOffset() {
        return mode.pageOffset();
    }

    @Override
    public long taskSize() {
        return mode.taskSizeMax();
    }

    @Override
    public long maxPfn() {
        return maxPfn;
    }

    @Override
    public long maxLowPfn() {
        return maxPfn;
    }

    /** high_memory = __va(max_pfn * PAGE_SIZE - 1) + 1 (arch/x86/kernel/setup.c). */
    @Override
    public long highMemory() {
        return mode.pageOffset() + (maxPfn << PAGE_SHIFT);
    }

    @Override
    public long vmallocStart() {
        return mode.vmallocStart();
    }

    @Override
    public long vmallocEnd() {
        return mode.vmallocEnd();
    }

    /** No highmem on x86_64 (CONFIG_HIGHMEM depends on X86_32): no pkmap. */
    @Override
    public int lastPkmap() {
        return 0;
    }

    @Override
    public long pkmapBase() {
        return 0;
    }

    @Override
    public long fixaddrStart() {
        return fixmap.fixaddrStart();
    }

    @Override
    public long fixaddrTop() {
        return Fixmap.FIXADDR_TOP;
    }

    @Override
    public List<VirtualArea> areas() {
        return areas;
    }

    @Override
    public long pa(long vaddr) {
        long y = vaddr - START_KERNEL_MAP;
        if (Long.compareUnsigned(vaddr, START_KERNEL_MAP) >= 0) {
            if (Long.compareUnsigned(y, KERNEL_IMAGE_SIZE) < 0) {
                return y + physBase;
            }
        } else if (inDirectMap(vaddr)) {
            return vaddr - mode.pageOffset();
        }
        throw new IllegalArgumentException(String.format(
                "__pa: 0x%016x (expected: direct map [0x%016x, 0x%016x) or kernel text [0x%016x, 0x%016x)): "
                        + "virt_to_phys used for non-linear address",
                vaddr, mode.pageOffset(), highMemory(), START_KERNEL_MAP, START_KERNEL_MAP + KERNEL_IMAGE_SIZE));
    }

    private boolean inDirectMap(long vaddr) {
        return Long.compareUnsigned(vaddr, mode.pageOffset()) >= 0
                && Long.compareUnsigned(vaddr, highMemory()) < 0;
    }

    @Override
    public long va(long paddr) {
        if (Long.compareUnsigned(paddr, maxPfn << PAGE_SHIFT) >= 0) {
            throw new IllegalArgumentException(String.format(
                    "__va: 0x%x (expected: below max_pfn << PAGE_SHIFT = 0x%x)", paddr, maxPfn << PAGE_SHIFT));
        }
        return paddr + mode.pageOffset();
    }

    /**
     * __virt_addr_valid() of arch/x86/mm/physaddr.c: a canonical address in the kernel image mapping or
     * the direct map whose frame is pfn_valid(). With SPARSEMEM every pfn of a boot-time memory section
     * (128 MiB) that holds some RAM is valid, so a small hole inside a section counts, the PCI hole does not.
     */
    @Override
    public boolean virtAddrValid(long vaddr) {
        if (!CanonicalAddress.isCanonical(vaddr, mode.virtAddressBits())) {
            return false;
        }
        long paddr;
        if (Long.compareUnsigned(vaddr, START_KERNEL_MAP) >= 0) {
            long y = vaddr - START_KERNEL_MAP;
            if (Long.compareUnsigned(y, KERNEL_IMAGE_SIZE) >= 0) {
                return false;
            }
            paddr = y + physBase;
        } else if (Long.compareUnsigned(vaddr, mode.pageOffset()) >= 0
                && Long.compareUnsigned(vaddr - mode.pageOffset(), mode.maxMemBytes()) < 0) {
            paddr = vaddr - mode.pageOffset();
        } else {
            return false;
        }
        return pfnValid(paddr >>> PAGE_SHIFT);
    }

    /** pfn_valid() under SPARSEMEM: the pfn's section holds RAM and the pfn is below max_pfn. */
    boolean pfnValid(long pfn) {
        if (pfn >= maxPfn) {
            return false;
        }
        long section = pfn >>> (SECTION_SIZE_BITS - PAGE_SHIFT);
        for (int i = 0; i < ramSections.length; i += 2) {
            if (section >= ramSections[i] && section < ramSections[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** __START_KERNEL_map + paddr - phys_base: where the image's symbols live (__pa_symbol's inverse). */
    @Override
    public long kernelImageVa(long paddr) {
        long off = paddr - physBase;
        if (Long.compareUnsigned(off, KERNEL_IMAGE_SIZE) >= 0) {
            throw new IllegalArgumentException(String.format(
                    "kernel image paddr: 0x%x (expected: phys_base 0x%x + [0, KERNEL_IMAGE_SIZE 0x%x))",
                    paddr, physBase, KERNEL_IMAGE_SIZE));
        }
        return START_KERNEL_MAP + off;
    }

    @Override
    public List<String> bootMessages() {
        return bootMessages;
    }

    @Override
    public String toString() {
        return String.format("x86_64 layout: %d-level, PAGE_OFFSET 0x%016x, max_pfn 0x%x",
                mode.levels(), mode.pageOffset(), maxPfn);
    }
}
