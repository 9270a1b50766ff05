package org.kmemu.arch.booke;

import org.kmemu.api.KernelLayout;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/**
 * The ppc32 "nohash" two-level tree of an e500 (arch/powerpc/include/asm/nohash/32/pgtable.h): the PMD is
 * folded (asm-generic/pgtable-nopmd.h), so a walk reads a PGD entry and then a PTE.
 *
 * <pre>
 *   32-bit PTEs (pte-85xx.h)            31        22 21        12 11          0
 *     virtual address                  | PGD index  | PTE index  |  offset     |   PGDIR_SHIFT 22, 1024 + 1024
 *   64-bit PTEs (CONFIG_PTE_64BIT)      31      21 20         12 11          0
 *     virtual address                  | PGD index| PTE index   |  offset     |   PGDIR_SHIFT 21, 2048 + 512
 * </pre>
 *
 * PTE_INDEX_SIZE = PTE_SHIFT = PAGE_SHIFT - log2(sizeof(pte_t)) (asm/page_32.h), PGDIR_SHIFT = PAGE_SHIFT +
 * PTE_INDEX_SIZE and PGD_INDEX_SIZE = 32 - PGDIR_SHIFT (nohash/32/pgtable.h). With CONFIG_PTE_64BIT on 85xx the
 * PGD entry is 64 bits wide too ({@code unsigned long long pgd} in asm/pgtable-types.h since the hugepd
 * removal), so {@link #entryBytes()} is one size for both levels: PGD_TABLE_SIZE is 16 KiB (an order-2 block).
 *
 * <p><b>The PGD entry holds a virtual address.</b> "On Book E processors, the pmd contains the kernel virtual
 * (lowmem) address of the pte page" (nohash/32/pgtable.h, pmd_page_vaddr), because the TLB miss handler runs
 * with translation on. {@link #encodeTable} therefore stores {@code __va(phys)} and {@link #address} returns
 * {@code __pa(entry & PAGE_MASK)}. The entry carries no permission bits (_PMD_USER is 0), and the miss handler
 * only tests that the page address is non-zero (FIND_PTE in arch/powerpc/kernel/head_85xx.S: "Bail if no
 * table"), so a PGD entry decodes to PRESENT|WRITE|USER|EXEC or to nothing.
 *
 * <p><b>No huge leaves.</b> Lowmem is covered by TLB1 entries ({@link TlbCamMap}), not by large PTEs;
 * hugetlb's contiguous-PMD leaves are not modelled, so only the PTE level holds leaves.
 *
 * <p><b>USER and GLOBAL depend on the address.</b> On e500 the TLB miss handler, not the entry, decides them:
 * for an address at or above PAGE_OFFSET it walks swapper_pg_dir and loads the entry with TID 0, which matches
 * every PID (global), and for a lower address it walks the task's PGD and loads it with the current PID
 * (head_85xx.S, DataTLBError/InstructionTLBError: "cmplw 5, r10, r11" against PAGE_OFFSET, "Set TID to 0").
 * {@link #decode(long, int, long)} applies that rule; the two-argument {@link #decode(long, int)} of the api has
 * no address and answers for a kernel address (GLOBAL), see the subclasses for what USER means there.
 *
 * <p>Immutable and thread-safe; decode and address do not allocate.
 */
abstract class E500PageTableFormat implements PageTableFormat {
    static final int PGD = 0;
    static final int PTE = 1;
    /** PAGE_MASK of ppc32 (an unsigned long, so it also clears the upper word of a 64-bit PGD entry). */
    static final long PAGE_MASK_32 = 0xfffff000L;
    /** What a present PGD entry allows: nothing is restricted at this level. */
    static final int PGD_FLAGS = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC;

    final KernelLayout layout;
    final long pageOffset;
    private final int pteShift;
    /** _PAGE_COHERENT in _PAGE_BASE: "CONFIG_SMP || CONFIG_PPC_E500MC" (pte-85xx.h, pte-e500.h). */
    final boolean coherent;

    E500PageTableFormat(KernelLayout layout, int pteShift, boolean coherent) {
        this.layout = layout;
        this.pageOffset = layout.pageOffset();
        this.pteShift = pteShift;
        this.coherent = coherent;
    }

    @Override
    public final int levels() {
        return 2;
    }

    @Override
    public final String levelName(int level) {
        checkLevel(level);
        return level == PGD ? "PGD" : "PTE";
    }

    @Override
    public final int indexShift(int level) {
        checkLevel(level);
        return level == PGD ? BookeLayout.PAGE_SHIFT + pteShift : BookeLayout.PAGE_SHIFT;
    }

    @Override
    public final int indexBits(int level) {
        checkLevel(level);
        return level == PGD ? 32 - BookeLayout.PAGE_SHIFT - pteShift : pteShift;
    }

    @Override
    public final boolean leafAllowed(int level) {
        checkLevel(level);
        return level == PTE;
    }

    /**
     * The api's decode, which has no address: a PGD entry as always; a PTE as {@link #decodeAddressFree} says
     * (the subclasses document their choice). The walker should prefer {@link #decode(long, int, long)}.
     */
    @Override
    public final int decode(long entry, int level) {
        if (level == PGD) {
            return pgdPresent(entry) ? PGD_FLAGS : 0;
        }
        assert level == PTE : level;
        return decodeAddressFree(entry);
    }

    /** @return a PTE's flags without knowing the address: by default as loaded for a kernel address */
    int decodeAddressFree(long entry) {
        return decodePte(entry, true);
    }

    /**
     * The exact e500 rule: what the TLB miss handler would make of this entry for {@code vaddr}. Public so that
     * it overrides an address-aware {@code decode(entry, level, vaddr)} once the api offers one.
     *
     * @param entry a raw entry
     * @param level its level
     * @param vaddr the virtual address being translated
     * @return its {@link PteFlags}; 0 if not present
     */
    public final int decode(long entry, int level, long vaddr) {
        if (level == PGD) {
            return pgdPresent(entry) ? PGD_FLAGS : 0;
        }
        assert level == PTE : level;
        return decodePte(entry, Long.compareUnsigned(vaddr, pageOffset) >= 0);
    }

    /**
     * @param entry      a raw PTE
     * @param kernelAddr whether the translated address is at or above PAGE_OFFSET
     * @return its flags, 0 if the miss handler would not load it
     */
    abstract int decodePte(long entry, boolean kernelAddr);

    /** @return the physical address of the page a present PTE maps */
    abstract long ptePhys(long entry);

    abstract long encodePte(long pagePhys, int flags);

    abstract long ptePermBits(int flags);

    abstract String describePte(long entry);

    /** FIND_PTE (head_85xx.S) only asks whether the PTE page address is non-zero. */
    static boolean pgdPresent(long entry) {
        return (entry & PAGE_MASK_32) != 0;
    }

    @Override
    public final long address(long entry, int level) {
        if (level == PGD) {
            return layout.pa(entry & PAGE_MASK_32);
        }
        assert level == PTE : level;
        return ptePhys(entry);
    }

    /** Stores the table's lowmem virtual address, as pmd_populate_kernel does on BookE; flags have no bits here. */
    @Override
    public final long encodeTable(long tablePhys, int level, int flags) {
        if (level != PGD) {
            throw new IllegalArgumentException("level: " + level + " (expected: 0, the PGD; the PTE level holds no tables)");
        }
        if ((tablePhys & (BookeLayout.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("tablePhys: 0x%x (expected: page-aligned)", tablePhys));
        }
        return layout.va(tablePhys);
    }

    @Override
    public final long encodeLeaf(long pagePhys, int level, int flags) {
        if (level != PTE) {
            throw new IllegalArgumentException("level: " + level
                    + " (expected: 1, the PTE level; lowmem large pages are TLB1 entries, not PGD leaves)");
        }
        if ((pagePhys & (BookeLayout.PAGE_SIZE - 1)) != 0 || pagePhys < 0) {
            throw new IllegalArgumentException(String.format("pagePhys: 0x%x (expected: page-aligned)", pagePhys));
        }
        return encodePte(pagePhys, flags);
    }

    @Override
    public final long withFlags(long entry, int level, int flags) {
        if (level != PTE) {
            throw new IllegalArgumentException("level: " + level + " (expected: 1, only PTEs carry accessed/dirty)");
        }
        return entry | ptePermBits(flags & (PteFlags.ACCESSED | PteFlags.DIRTY));
    }

    @Override
    public final String describe(long entry, int level) {
        checkLevel(level);
        if (level == PGD) {
            if (!pgdPresent(entry)) {
                return notPresent(entry);
            }
            long v = entry & PAGE_MASK_32;
            return String.format("PTE page at 0x%08x (virtual; __pa 0x%x)", v, layout.pa(v));
        }
        return describePte(entry);
    }

    static String notPresent(long entry) {
        return entry == 0 ? "not present" : String.format("not present (0x%x)", entry);
    }

    private static void checkLevel(int level) {
        if (level != PGD && level != PTE) {
            throw new IllegalArgumentException("level: " + level + " (expected: 0 (PGD) or 1 (PTE))");
        }
    }
}
