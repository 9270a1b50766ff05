package com.example.kmemu.riscv;

import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.VirtualArea;

/**
 * The riscv64 kernel's virtual layout with Sv39, as Documentation/arch/riscv/vm-layout.rst draws it
 * and arch/riscv/include/asm/pgtable.h computes it:
 *
 * <pre>
 *  0000000000000000 - 0000003fffffffff  256 GB  user space (TASK_SIZE_64 = PGDIR_SIZE * PTRS_PER_PGD / 2)
 *  ffffffc4fea00000 - ffffffc4feffffff    6 MB  fixmap      (FIXADDR_SIZE = PMD_SIZE + FIX_FDT_SIZE)
 *  ffffffc4ff000000 - ffffffc4ffffffff   16 MB  PCI io      (PCI_IO_SIZE)
 *  ffffffc500000000 - ffffffc5ffffffff    4 GB  vmemmap     (VMEMMAP_SHIFT = VA_BITS - PAGE_SHIFT - 1 + 6)
 *  ffffffc600000000 - ffffffd5ffffffff   64 GB  vmalloc/ioremap (VMALLOC_SIZE = KERN_VIRT_SIZE / 2)
 *  ffffffd600000000 - fffffff5ffffffff  128 GB  direct mapping of all physical memory (KERN_VIRT_SIZE)
 *  ffffffff00000000 - ffffffff7fffffff    2 GB  modules, BPF
 *  ffffffff80000000 - ffffffffffffffff    2 GB  kernel (KERNEL_LINK_ADDR)
 * </pre>
 *
 * Unlike x86 and i386, the direct map sits <em>above</em> vmalloc, and it starts at the first byte of
 * RAM, not at physical 0: {@code phys_ram_base} is the start of DRAM rounded down to 2 MiB, and
 * {@code __va(pa) = pa + PAGE_OFFSET - phys_ram_base} (setup_bootmem() in arch/riscv/mm/init.c,
 * {@code linear_mapping_pa_to_va} in arch/riscv/include/asm/page.h). On QEMU virt, physical 0x80000000
 * is PAGE_OFFSET. There is no highmem: {@code max_low_pfn = max_pfn}. KASAN (its shadow at
 * fffffff700000000) and KASLR are not modelled; the kernel is linked and runs at KERNEL_LINK_ADDR.
 * Older 6.x releases put PAGE_OFFSET_L3 at 0xffffffd800000000 and everything below it 8 GiB higher.
 * Immutable.
 */
final class Sv39Layout implements KernelLayout {
    /** PAGE_OFFSET_L3 (arch/riscv/include/asm/page.h): the linear map's base with Sv39. */
    static final long PAGE_OFFSET = 0xffffffd600000000L;
    /** KERN_VIRT_SIZE = (PTRS_PER_PGD / 2 * PGDIR_SIZE) / 2 = 128 GiB (arch/riscv/include/asm/pgtable.h). */
    static final long KERN_VIRT_SIZE = (512L / 2 * Sv39.PGDIR_SIZE) / 2;
    /** VMALLOC_END = PAGE_OFFSET; VMALLOC_START = PAGE_OFFSET - KERN_VIRT_SIZE / 2. */
    static final long VMALLOC_START = PAGE_OFFSET - (KERN_VIRT_SIZE >>> 1);
    /** VMEMMAP_SIZE = 1 &lt;&lt; (VA_BITS - PAGE_SHIFT - 1 + STRUCT_PAGE_MAX_SHIFT 6): 4 GiB, ending at VMALLOC_START. */
    static final long VMEMMAP_START = VMALLOC_START - (1L << (Sv39.VA_BITS - Sv39.PAGE_SHIFT - 1 + 6));
    /** PCI_IO_START = VMEMMAP_START - 16 MiB; FIXADDR_TOP is PCI_IO_START. */
    static final long PCI_IO_START = VMEMMAP_START - (16L << 20);
    /** FIXADDR_START = FIXADDR_TOP - (PMD_SIZE + FIX_FDT_SIZE), FIX_FDT_SIZE = MAX_FDT_SIZE (PMD_SIZE) + 2 MiB. */
    static final long FIXADDR_START = PCI_IO_START - (Sv39.PMD_SIZE + Sv39.PMD_SIZE + (2L << 20));
    /** KERNEL_LINK_ADDR = ADDRESS_SPACE_END - SZ_2G + 1: the kernel mapping. */
    static final long KERNEL_LINK_ADDR = 0xffffffff80000000L;
    /** MODULES_LOWEST_VADDR = KERNEL_LINK_ADDR - SZ_2G: the modules and BPF area (its exact start follows _end). */
    static final long MODULES_VADDR = KERNEL_LINK_ADDR - (2L << 30);
    /** TASK_SIZE_64 = PGDIR_SIZE * PTRS_PER_PGD / 2 with Sv39: 256 GiB. */
    static final long TASK_SIZE = Sv39.PGDIR_SIZE * 512 / 2;
    /**
     * memory_limit = KERN_VIRT_SIZE - SZ_4G (setup_vm(), arch/riscv/mm/init.c): the most RAM the linear map
     * takes on 64-bit, 124 GiB with Sv39; memblock_enforce_memory_limit() drops the rest.
     */
    static final long MEMORY_LIMIT = KERN_VIRT_SIZE - (4L << 30);

    private final long physRamBase;
    private final long minLowPfn;
    private final long maxPfn;
    private final long vaKernelPaOffset;
    private final long[] ramSections; // pairs [first, end) of 128 MiB sections holding RAM
    private final List<VirtualArea> areas;
    private final List<String> bootMessages;

    /**
     * setup_bootmem(): phys_ram_base, min_low_pfn, max_low_pfn = max_pfn, high_memory.
     *
     * @param map               the memory map
     * @param kernelLoadAddress the image's physical start (kernel_map.phys_addr)
     * @throws IllegalArgumentException if RAM spans more than the linear map holds
     */
    Sv39Layout(MemoryMap map, long kernelLoadAddress) {
        List<MemoryRegion> usable = map.usable();
        long firstRam = usable.get(0).start();
        this.physRamBase = firstRam & -Sv39.PMD_SIZE;
        this.minLowPfn = (physRamBase + Sv39.PAGE_SIZE - 1) >>> Sv39.PAGE_SHIFT;
        this.maxPfn = map.maxPfn(Sv39.PAGE_SHIFT);
        long span = (maxPfn << Sv39.PAGE_SHIFT) - physRamBase;
        if (Long.compareUnsigned(span, MEMORY_LIMIT) > 0) {
            throw new IllegalArgumentException(String.format("RAM from %#x to %#x spans %d GiB (expected: at most %d GiB, "
                            + "the Sv39 linear map's memory_limit = KERN_VIRT_SIZE - 4 GiB)", physRamBase, maxPfn << Sv39.PAGE_SHIFT,
                    span >> 30, MEMORY_LIMIT >> 30));
        }
        this.vaKernelPaOffset = KERNEL_LINK_ADDR - kernelLoadAddress;
        this.ramSections = sections(usable);
        long highMemory = PAGE_OFFSET + span;
        // print_vm_layout() of arch/riscv/mm/init.c, in its order and with its names.
        this.areas = List.of(
                new VirtualArea("fixmap", FIXADDR_START, PCI_IO_START),
                new VirtualArea("pci io", PCI_IO_START, VMEMMAP_START),
                new VirtualArea("vmemmap", VMEMMAP_START, VMALLOC_START),
                new VirtualArea("vmalloc", VMALLOC_START, PAGE_OFFSET),
                new VirtualArea("modules", MODULES_VADDR, KERNEL_LINK_ADDR),
                new VirtualArea("lowmem", PAGE_OFFSET, highMemory),
                new VirtualArea("kernel", KERNEL_LINK_ADDR, 0));
        this.bootMessages = vmLayoutLines(areas);
    }

    /**
     * print_vm_layout() of arch/riscv/mm/init.c (printed with CONFIG_DEBUG_VM): "Virtual kernel memory
     * layout:" and one "%12s : 0x%08lx - 0x%08lx   (%4ld GB)" line per area, in TB when the area is at
     * least 10 TB, GB from 10 GB, MB from 10 MB, else kB. The kernel area ends at ADDRESS_SPACE_END, -1.
     */
    static List<String> vmLayoutLines(List<VirtualArea> areas) {
        List<String> out = new java.util.ArrayList<>();
        out.add("Virtual kernel memory layout:");
        for (VirtualArea a : areas) {
            long end = a.end() == 0 ? -1L : a.end();
            long diff = end - a.start();
            String unit;
            long value;
            if (diff >>> 40 >= 10) {
                unit = "TB";
                value = diff >>> 40;
            } else if (diff >>> 30 >= 10) {
                unit = "GB";
                value = diff >>> 30;
            } else if (diff >>> 20 >= 10) {
                unit = "MB";
                value = diff >>> 20;
            } else {
                unit = "kB";
                value = diff >>> 10;
            }
            out.add(String.format("%12s : 0x%08x - 0x%08x   (%4d %s)", a.name(), a.start(), end, value, unit));
        }
        return List.copyOf(out);
    }

    private static long[] sections(List<MemoryRegion> usable) {
        long[] s = new long[usable.size() * 2];
        int i = 0;
        for (MemoryRegion r : usable) {
            s[i++] = r.start() >>> Sv39.SECTION_SIZE_BITS;
            s[i++] = ((r.end() - 1) >>> Sv39.SECTION_SIZE_BITS) + 1;
        }
        return s;
    }

    /** @return phys_ram_base: the physical address at PAGE_OFFSET */
    long physRamBase() {
        return physRamBase;
    }

    /** @return min_low_pfn = PFN_UP(phys_ram_base) */
    long minLowPfn() {
        return minLowPfn;
    }

    @Override
    public long pageOffset() {
        return PAGE_OFFSET;
    }

    @Override
    public long taskSize() {
        return TASK_SIZE;
    }

    /**
     * The kernel half starts at the first root slot past user space: pgd_alloc copies the kernel root's
     * entries from {@code USER_PTRS_PER_PGD} up (arch/riscv/include/asm/pgalloc.h), because vmalloc,
     * vmemmap, PCI io and the fixmap lie below PAGE_OFFSET. With Sv39 that is 0xffffffc000000000, the
     * lowest canonical address of the upper half (slot 256 of 512).
     */
    @Override
    public long kernelSpaceStart() {
        return -(1L << (Sv39.VA_BITS - 1));
    }

    @Override
    public long maxPfn() {
        return maxPfn;
    }

    /** No highmem on riscv64: max_low_pfn = max_pfn = PFN_DOWN(memblock_end_of_DRAM()). */
    @Override
    public long maxLowPfn() {
        return maxPfn;
    }

    /** high_memory = __va(PFN_PHYS(max_low_pfn)): one past the linear map's last byte. */
    @Override
    public long highMemory() {
        return PAGE_OFFSET + ((maxPfn << Sv39.PAGE_SHIFT) - physRamBase);
    }

    @Override
    public long vmallocStart() {
        return VMALLOC_START;
    }

    /** VMALLOC_END = PAGE_OFFSET, used exclusively by mm/vmalloc.c. */
    @Override
    public long vmallocEnd() {
        return PAGE_OFFSET;
    }

    /** No highmem (CONFIG_HIGHMEM is not selectable on riscv): no pkmap. */
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
        return FIXADDR_START;
    }

    /** FIXADDR_TOP = PCI_IO_START. */
    @Override
    public long fixaddrTop() {
        return PCI_IO_START;
    }

    @Override
    public List<VirtualArea> areas() {
        return areas;
    }

    /**
     * __virt_to_phys() with CONFIG_DEBUG_VIRTUAL (arch/riscv/mm/physaddr.c): a linear-map address below
     * high_memory, or a kernel-mapping address; anything else is "virt_to_phys used for non-linear address".
     */
    @Override
    public long pa(long vaddr) {
        if (inLinearMap(vaddr)) {
            return vaddr - PAGE_OFFSET + physRamBase;
        }
        if (Long.compareUnsigned(vaddr, KERNEL_LINK_ADDR) >= 0) {
            return vaddr - vaKernelPaOffset;
        }
        throw new IllegalArgumentException(String.format(
                "__pa: %#018x (expected: linear map [%#018x, %#018x) or kernel mapping [%#018x, 2^64)): "
                        + "virt_to_phys used for non-linear address", vaddr, PAGE_OFFSET, highMemory(), KERNEL_LINK_ADDR));
    }

    private boolean inLinearMap(long vaddr) {
        return Long.compareUnsigned(vaddr, PAGE_OFFSET) >= 0 && Long.compareUnsigned(vaddr, highMemory()) < 0;
    }

    /**
     * {@code linear_mapping_pa_to_va}: pa + PAGE_OFFSET - phys_ram_base, for addresses from phys_ram_base to
     * the end of RAM. The kernel's macro does no check; the SPI asks for a refusal outside the linear map.
     */
    @Override
    public long va(long paddr) {
        if (paddr < physRamBase || paddr >= maxPfn << Sv39.PAGE_SHIFT) {
            throw new IllegalArgumentException(String.format("__va: %#x (expected: RAM of the linear map, [phys_ram_base %#x, %#x))",
                    paddr, physRamBase, maxPfn << Sv39.PAGE_SHIFT));
        }
        return PAGE_OFFSET + (paddr - physRamBase);
    }

    /**
     * virt_addr_valid() (arch/riscv/include/asm/page.h): at or above PAGE_OFFSET, and pfn_valid() of its
     * frame, which under SPARSEMEM means a present 128 MiB section below max_pfn.
     */
    @Override
    public boolean virtAddrValid(long vaddr) {
        if (Long.compareUnsigned(vaddr, PAGE_OFFSET) < 0) {
            return false;
        }
        long paddr;
        if (Long.compareUnsigned(vaddr, KERNEL_LINK_ADDR) >= 0) {
            paddr = vaddr - vaKernelPaOffset;
        } else if (Long.compareUnsigned(vaddr - PAGE_OFFSET, KERN_VIRT_SIZE) < 0) {
            paddr = vaddr - PAGE_OFFSET + physRamBase;
        } else {
            return false;
        }
        long pfn = paddr >>> Sv39.PAGE_SHIFT;
        if (paddr < 0 || pfn >= maxPfn) {
            return false;
        }
        long section = paddr >>> Sv39.SECTION_SIZE_BITS;
        for (int i = 0; i < ramSections.length; i += 2) {
            if (section >= ramSections[i] && section < ramSections[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** kernel_mapping_pa_to_va: pa + va_kernel_pa_offset, va_kernel_pa_offset = KERNEL_LINK_ADDR - load address. */
    @Override
    public long kernelImageVa(long paddr) {
        return paddr + vaKernelPaOffset;
    }

    @Override
    public List<String> bootMessages() {
        return bootMessages;
    }

    @Override
    public String toString() {
        return String.format("riscv64 Sv39 layout: phys_ram_base %#x, PAGE_OFFSET %#018x, max_pfn %#x", physRamBase, PAGE_OFFSET, maxPfn);
    }
}
