package org.kmemu.arch.booke;

/**
 * The ppc32 fixmap and the pkmap window below it (arch/powerpc/include/asm/fixmap.h,
 * arch/powerpc/include/asm/highmem.h).
 *
 * <pre>
 *   FIXADDR_TOP = -PAGE_SIZE = 0xfffff000 (no KASAN)
 *   slots: FIX_HOLE .. FIX_EARLY_DEBUG_BASE   32 pages (128 KiB for early debug; FIX_EARLY_DEBUG_TOP = FIX_HOLE)
 *          FIX_KMAP_BEGIN .. FIX_KMAP_END      KM_MAX_IDX * NR_CPUS (CONFIG_HIGHMEM only), so FIX_KMAP_BEGIN = 32
 *          FIX_BTMAP_END .. FIX_BTMAP_BEGIN    64 * 16 early_ioremap slots
 *   FIXADDR_START = FIXADDR_TOP - (__end_of_fixed_addresses &lt;&lt; PAGE_SHIFT)
 *   PKMAP_BASE = (FIXADDR_START - PAGE_SIZE * (LAST_PKMAP + 1)) &amp; PMD_MASK, LAST_PKMAP = 1 &lt;&lt; PTE_SHIFT
 * </pre>
 *
 * Worked example (HIGHMEM, 32-bit PTEs, 4 CPUs, KM_MAX_IDX 16): 32 + 64 + 1024 = 1120 slots, FIXADDR_START
 * = 0xfffff000 - 0x460000 = 0xffb9f000; PKMAP_BASE = (0xffb9f000 - 0x401000) &amp; ~0x3fffff = 0xff400000.
 * The kmap slot i of CPU c is index 32 + i + 16 * c: CPU 0's first at 0xfffff000 - 0x20000 = 0xfffdf000,
 * CPU 3's last (index 95) at 0xfffa0000, well above FIXADDR_START since the boot slots lie below them.
 * The 8xx and 83xx IMMR slots that follow the kmap range are not e500's, so they are not counted.
 */
final class BookeFixmap {
    static final long FIXADDR_TOP = 0xfffff000L;
    /** FIX_EARLY_DEBUG_BASE + 1: 128 KiB reserved at the top for early debugging. */
    private static final int EARLY_DEBUG_SLOTS = (128 << 10) >>> BookeLayout.PAGE_SHIFT;
    /** TOTAL_FIX_BTMAPS = NR_FIX_BTMAPS (256 KiB / PAGE_SIZE) * FIX_BTMAPS_SLOTS (16). */
    private static final int TOTAL_FIX_BTMAPS = ((256 << 10) >>> BookeLayout.PAGE_SHIFT) * 16;

    private final int kmapBegin;
    private final int kmapSlotsPerCpu;
    private final int endOfFixed;
    private final int lastPkmap;
    private final long pkmapBase;

    BookeFixmap(BookeOptions o) {
        this.kmapBegin = o.highmem() ? EARLY_DEBUG_SLOTS : -1;
        this.kmapSlotsPerCpu = o.highmem() ? o.kmMaxIdx() : 0;
        int perm = EARLY_DEBUG_SLOTS + kmapSlotsPerCpu * o.nrCpus();
        this.endOfFixed = perm + TOTAL_FIX_BTMAPS;
        if (o.highmem()) {
            this.lastPkmap = 1 << o.pteShift();
            long pmdSize = 1L << (BookeLayout.PAGE_SHIFT + o.pteShift()); // PMD folded: PGDIR_SIZE
            this.pkmapBase = (fixaddrStart() - BookeLayout.PAGE_SIZE * (lastPkmap + 1)) & -pmdSize;
        } else {
            this.lastPkmap = 0;
            this.pkmapBase = 0;
        }
    }

    /** @return FIX_KMAP_BEGIN = FIX_EARLY_DEBUG_BASE + 1 = 32, or -1 without CONFIG_HIGHMEM (no such entry) */
    int kmapBegin() {
        return kmapBegin;
    }

    /** @return KM_MAX_IDX, the kmap_local slots of one CPU; 0 without CONFIG_HIGHMEM */
    int kmapSlotsPerCpu() {
        return kmapSlotsPerCpu;
    }

    /** @return __end_of_fixed_addresses */
    int endOfFixedAddresses() {
        return endOfFixed;
    }

    /** @return FIXADDR_START */
    long fixaddrStart() {
        return FIXADDR_TOP - ((long) endOfFixed << BookeLayout.PAGE_SHIFT);
    }

    /** @return LAST_PKMAP, 0 without CONFIG_HIGHMEM */
    int lastPkmap() {
        return lastPkmap;
    }

    /** @return PKMAP_BASE, 0 without CONFIG_HIGHMEM */
    long pkmapBase() {
        return pkmapBase;
    }

    /** @return KVIRT_TOP = IOREMAP_TOP: PKMAP_BASE with HIGHMEM, else FIXADDR_START (nohash/32/pgtable.h) */
    long ioremapTop() {
        return lastPkmap != 0 ? pkmapBase : fixaddrStart();
    }
}
