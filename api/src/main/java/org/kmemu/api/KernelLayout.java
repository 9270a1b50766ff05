package org.kmemu.api;

import java.util.List;

/**
 * The kernel's virtual address layout for one architecture configuration and one memory map: where
 * the direct map, vmalloc, pkmap and fixmap sit, how much RAM is lowmem, and the {@code __pa}/{@code __va}
 * conversions of the direct map.
 *
 * <p>Made once at boot by {@link ArchSpec#layout(MemoryMap)}; immutable and thread-safe. Addresses are
 * unsigned 64-bit values held in {@code long}s; on 32-bit architectures they are below 2^32.
 *
 * <p><b>Caller and thread.</b> The core and the other plugins (through the core), on any thread.
 * <b>Failure.</b> {@code __pa} of an address outside the direct map and {@code __va} of a physical address
 * beyond lowmem are {@link IllegalArgumentException}s (the kernel's VIRTUAL_BUG_ON). <b>TCK.</b>
 * {@code ArchitectureContractTest}: the layout's order, {@code __pa}/{@code __va} inverse on lowmem and
 * refusing the rest, named areas disjoint.
 *
 * @since 1.0
 */
public interface KernelLayout {

    /** @return PAGE_OFFSET: the virtual address of physical address 0 in the direct map */
    long pageOffset();

    /** @return TASK_SIZE: the first address above user space */
    long taskSize();

    /**
     * The lowest address of the kernel's half of the address space: every process's page-table root
     * shares the kernel root's entries from this address's root slot up ({@code pgd_alloc} copies them),
     * and a CPU treats addresses from here up as the kernel's. On x86 and ppc32 the kernel's mappings
     * all lie at or above PAGE_OFFSET, the default (x86's {@code KERNEL_PGD_BOUNDARY} is
     * {@code pgd_index(PAGE_OFFSET)}); where vmalloc, modules or the fixmap lie below PAGE_OFFSET, as on
     * riscv64 (arch/riscv/include/asm/pgalloc.h copies from {@code USER_PTRS_PER_PGD}), it is the start
     * of the kernel half.
     *
     * @return the address; at least {@link #taskSize()}, at most {@link #pageOffset()}
     * @since 1.1
     */
    default long kernelSpaceStart() {
        return pageOffset();
    }

    /** @return max_pfn: one past the last page frame of RAM */
    long maxPfn();

    /** @return max_low_pfn: one past the last directly mapped frame; equals {@link #maxPfn()} without highmem */
    long maxLowPfn();

    /** @return high_memory: the virtual address one past the last directly mapped byte */
    long highMemory();

    /** @return VMALLOC_START, inclusive */
    long vmallocStart();

    /** @return VMALLOC_END, exclusive (the kernel's VMALLOC_END is inclusive on x86_64; this is one past it) */
    long vmallocEnd();

    /** @return LAST_PKMAP: the number of persistent kmap slots, 0 when the architecture has no highmem */
    int lastPkmap();

    /** @return PKMAP_BASE, or 0 when {@link #lastPkmap()} is 0 */
    long pkmapBase();

    /** @return FIXADDR_START: the lowest fixmap address */
    long fixaddrStart();

    /** @return FIXADDR_TOP: one past the highest fixmap slot */
    long fixaddrTop();

    /**
     * The index of {@code FIX_KMAP_BEGIN} in the architecture's {@code enum fixed_addresses}: where
     * the per-CPU kmap_atomic/kmap_local slots start. Slot {@code i} of CPU {@code c} is fixmap index
     * {@code fixKmapBegin() + i + kmapLocalSlots() * c}, at {@code fixaddrTop() - (index << PAGE_SHIFT)}
     * ({@code __fix_to_virt}, include/asm-generic/fixmap.h; arch/x86/include/asm/fixmap.h).
     *
     * @return the index, or -1 when the architecture has no highmem (x86_64: kmap_local is page_address)
     */
    default int fixKmapBegin() {
        return -1;
    }

    /** @return KM_MAX_IDX: kmap_local slots per CPU (16; include/asm-generic/kmap_size.h), 0 without highmem */
    default int kmapLocalSlots() {
        return 0;
    }

    /**
     * @return the named areas in the order the architecture prints its layout, each a half-open range
     */
    List<VirtualArea> areas();

    /**
     * {@code __pa()}: the physical address behind a direct-mapped (or kernel-image) virtual address.
     *
     * @param vaddr a kernel virtual address
     * @return its physical address
     * @throws IllegalArgumentException if {@code vaddr} is not in the direct map or kernel image; the
     *         message names the address and the valid range, as CONFIG_DEBUG_VIRTUAL would report
     */
    long pa(long vaddr);

    /**
     * {@code __va()}: the direct-map virtual address of a physical address.
     *
     * @param paddr a physical address of lowmem
     * @return its direct-map virtual address
     * @throws IllegalArgumentException if {@code paddr} is not directly mapped (highmem, or past RAM)
     */
    long va(long paddr);

    /**
     * @param vaddr a virtual address
     * @return {@code virt_addr_valid()}: whether it is a direct-mapped address of RAM
     */
    boolean virtAddrValid(long vaddr);

    /**
     * The virtual address the kernel image is linked at for a physical address inside it. It is
     * {@link #va(long)} except on x86_64, where the image has its own mapping at __START_KERNEL_map.
     *
     * @param paddr a physical address inside the kernel image
     * @return the address the kernel's symbols use for it
     */
    default long kernelImageVa(long paddr) {
        return va(paddr);
    }

    /**
     * @return architecture-specific boot lines printed after the memory map is known, such as i386's
     *         "3200MB HIGHMEM available." and "887MB LOWMEM available."
     */
    List<String> bootMessages();
}
