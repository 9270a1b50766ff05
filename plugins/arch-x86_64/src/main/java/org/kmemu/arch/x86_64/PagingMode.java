package org.kmemu.arch.x86_64;

/**
 * The two x86_64 paging modes and the fixed (non-KASLR) bases of the areas that move with them.
 *
 * <p>Everything from 0xfffffc0000000000 up (cpu_entry_area, espfix, EFI, kernel text, modules,
 * fixmap) is the same in both modes and lives in {@link X86_64Layout}; what differs is here. Sources:
 * Documentation/arch/x86/x86_64/mm.rst (the two tables), arch/x86/include/asm/page_64_types.h
 * (__PAGE_OFFSET_BASE_L4/L5, __VIRTUAL_MASK_SHIFT, TASK_SIZE_MAX),
 * arch/x86/include/asm/pgtable_64_types.h (PGDIR_SHIFT, __VMALLOC_BASE_L4/L5, VMALLOC_SIZE_TB_L4/L5,
 * __VMEMMAP_BASE_L4/L5, LDT_PGD_ENTRY) and arch/x86/include/asm/sparsemem.h (MAX_PHYSMEM_BITS).
 */
enum PagingMode {
    /** 4-level paging: 48-bit virtual addresses, 46-bit physical (64 TiB direct map). */
    FOUR_LEVEL(4, 47, 39, 46,
            0xffff888000000000L, 1L << 46,
            0xffffc90000000000L, 32L,
            0xffffea0000000000L, 1L << 40),
    /** 5-level paging (LA57): 57-bit virtual addresses, 52-bit physical. */
    FIVE_LEVEL(5, 56, 48, 52,
            0xff11000000000000L, 1L << 55,
            0xffa0000000000000L, 12800L,
            0xffd4000000000000L, 1L << 49);

    /** LDT_PGD_ENTRY: the LDT remap for PTI sits in PGD slot -240 in both modes (pgtable_64_types.h). */
    private static final long LDT_PGD_ENTRY = -240L;

    private final int levels;
    private final int virtualMaskShift;
    private final int pgdirShift;
    private final int maxPhysmemBits;
    private final long pageOffset;
    private final long directMapBytes;
    private final long vmallocBase;
    private final long vmallocSizeTb;
    private final long vmemmapBase;
    private final long vmemmapBytes;

    PagingMode(int levels, int virtualMaskShift, int pgdirShift, int maxPhysmemBits,
               long pageOffset, long directMapBytes, long vmallocBase, long vmallocSizeTb,
               long vmemmapBase, long vmemmapBytes) {
        this.levels = levels;
        this.virtualMaskShift = virtualMaskShift;
        this.pgdirShift = pgdirShift;
        this.maxPhysmemBits = maxPhysmemBits;
        this.pageOffset = pageOffset;
        this.directMapBytes = directMapBytes;
        this.vmallocBase = vmallocBase;
        this.vmallocSizeTb = vmallocSizeTb;
        this.vmemmapBase = vmemmapBase;
        this.vmemmapBytes = vmemmapBytes;
    }

    /**
     * @param levels 4 or 5
     * @return the mode with that many page-table levels
     * @throws IllegalArgumentException for any other number
     */
    static PagingMode ofLevels(int levels) {
        for (PagingMode m : values()) {
            if (m.levels == levels) {
                return m;
            }
        }
        throw new IllegalArgumentException("levels: " + levels + " (expected: 4 or 5)");
    }

    int levels() {
        return levels;
    }

    /** @return the number of implemented virtual address bits: __VIRTUAL_MASK_SHIFT + 1 (48 or 57) */
    int virtAddressBits() {
        return virtualMaskShift + 1;
    }

    /** @return MAX_PHYSMEM_BITS (46 or 52): MAXMEM = 1 << this bounds RAM (arch/x86/include/asm/sparsemem.h) */
    int maxPhysmemBits() {
        return maxPhysmemBits;
    }

    /** @return MAXMEM in bytes: the most physical memory the direct map may cover */
    long maxMemBytes() {
        return 1L << maxPhysmemBits;
    }

    /** @return __PAGE_OFFSET_BASE_L4 or _L5: page_offset_base without KASLR */
    long pageOffset() {
        return pageOffset;
    }

    /** @return the size of the direct-map window of mm.rst (64 TB or 32 PB) */
    long directMapBytes() {
        return directMapBytes;
    }

    /** @return __VMALLOC_BASE_L4 or _L5: vmalloc_base without KASLR */
    long vmallocStart() {
        return vmallocBase;
    }

    /** @return one past VMALLOC_END, where VMALLOC_END = VMALLOC_START + (VMALLOC_SIZE_TB << 40) - 1 */
    long vmallocEnd() {
        return vmallocBase + (vmallocSizeTb << 40);
    }

    /** @return __VMEMMAP_BASE_L4 or _L5: vmemmap_base without KASLR */
    long vmemmapBase() {
        return vmemmapBase;
    }

    /** @return the size of the vmemmap window of mm.rst (1 TB or 0.5 PB) */
    long vmemmapBytes() {
        return vmemmapBytes;
    }

    /** @return the first kernel-half canonical address, -(1 << __VIRTUAL_MASK_SHIFT); the guard hole starts here */
    long kernelHalfStart() {
        return -(1L << virtualMaskShift);
    }

    /** @return LDT_BASE_ADDR = LDT_PGD_ENTRY << PGDIR_SHIFT */
    long ldtBase() {
        return LDT_PGD_ENTRY << pgdirShift;
    }

    /** @return LDT_END_ADDR: the LDT remap takes one PGD entry */
    long ldtEnd() {
        return ldtBase() + (1L << pgdirShift);
    }

    /**
     * @return TASK_SIZE_MAX = (1 << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE: the last user page is never
     *         mapped so that a syscall can never return to a non-canonical address
     *         (arch/x86/include/asm/page_64_types.h)
     */
    long taskSizeMax() {
        return (1L << virtualMaskShift) - X86_64Layout.PAGE_SIZE;
    }
}
