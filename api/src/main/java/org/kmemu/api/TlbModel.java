package org.kmemu.api;

/**
 * How an architecture's TLB is filled, sized and told apart between address spaces.
 *
 * <ul>
 *   <li>x86: {@code softwareRefill = false}. On a miss the hardware walker reads the page tables
 *       and sets the accessed and dirty bits itself. No context ids ({@code contextIds = 0}): the TLB
 *       holds one address space, and switch_mm's CR3 write drops every entry without the global bit
 *       (arch/x86/mm/tlb.c {@code switch_mm_irqs_off}, without PCID).</li>
 *   <li>PowerPC e500: {@code softwareRefill = true}. A miss traps to Linux's handler, which walks the
 *       Linux tables, sets accessed/dirty in software and writes a 4 KiB entry into TLB0; lowmem is
 *       pinned in TLB1 entries at boot so that it never misses. Every TLB entry carries a TID: the
 *       handler loads user translations with the PID register's value and kernel ones (addresses at or
 *       above PAGE_OFFSET) with TID 0, and an entry matches when its TID is 0 or equals PID
 *       (arch/powerpc/kernel/head_85xx.S). switch_mm writes the next mm's context id into PID and flushes
 *       nothing; ids {@code 1..contextIds} are handed out and stolen by
 *       arch/powerpc/mm/nohash/mmu_context.c ({@code LAST_CONTEXT} 255 on e500).</li>
 * </ul>
 *
 * <p>A second-level TLB ({@code stlbSets * stlbWays} entries, 0 for none): x86 cores since Nehalem look a
 * first-level miss up in a larger shared TLB (STLB) before they walk, and a hit refills the first level without
 * a walk. Skylake's STLB has 1536 entries, 12-way, shared by 4 KiB and 2 MiB pages (Intel 64 and IA-32
 * Architectures Optimization Reference Manual, 248966, table "TLB Parameters of the Skylake Microarchitecture";
 * CPUID leaf 2 descriptor C3h). Flushes drop its entries as they drop the first level's.
 *
 * @param softwareRefill    whether misses are filled by the kernel's software handler
 * @param sets              sets of the (main or TLB0) TLB, a power of two
 * @param ways              ways per set; 1 makes it direct-mapped
 * @param pinnedEntries     entries of a separate array for pinned variable-size translations (e500 TLB1), 0 if none
 * @param contextIds        0 for a TLB without context tags (a switch flushes every non-global entry); else the
 *                          last context id, ids running from 1 (0 is the kernel's, matching every context)
 * @param flushContextOnly  with context ids: whether flushing one context ({@code _tlbil_pid}) removes only that
 *                          context's entries ({@code tlbilx}, e500mc and later); false when the core can only
 *                          flash-invalidate the whole TLB0 (e500v1/v2: MMUCSR0[TLBFI], arch/powerpc/mm/nohash/tlb_low.S)
 * @param stlbSets          sets of the second-level TLB, a power of two; 0 (with {@code stlbWays} 0) for none
 * @param stlbWays          ways per set of the second-level TLB; 0 for none
 */
public record TlbModel(boolean softwareRefill, int sets, int ways, int pinnedEntries, int contextIds, boolean flushContextOnly,
                       int stlbSets, int stlbWays) {

    /** Checks the geometry. */
    public TlbModel {
        if (sets <= 0 || Integer.bitCount(sets) != 1) {
            throw new IllegalArgumentException("sets: " + sets + " (expected: a power of two)");
        }
        if (ways <= 0 || pinnedEntries < 0) {
            throw new IllegalArgumentException("ways: " + ways + ", pinnedEntries: " + pinnedEntries
                    + " (expected: ways > 0, pinnedEntries >= 0)");
        }
        if (contextIds < 0 || contextIds > 65535) {
            throw new IllegalArgumentException("contextIds: " + contextIds
                    + " (expected: 0 for an untagged TLB, or 1..65535: 255 on e500, 65535 on 47x)");
        }
        if (!(stlbSets == 0 && stlbWays == 0) && (stlbSets <= 0 || Integer.bitCount(stlbSets) != 1 || stlbWays <= 0)) {
            throw new IllegalArgumentException("stlbSets: " + stlbSets + ", stlbWays: " + stlbWays
                    + " (expected: both 0 for no second-level TLB, or sets a power of two and ways > 0)");
        }
    }

    /**
     * A TLB without a second level.
     *
     * @param softwareRefill   whether misses are filled by the kernel's software handler
     * @param sets             sets, a power of two
     * @param ways             ways per set
     * @param pinnedEntries    pinned entries, 0 if none
     * @param contextIds       0 for an untagged TLB, else the last context id
     * @param flushContextOnly whether a context flush removes only that context's entries
     */
    public TlbModel(boolean softwareRefill, int sets, int ways, int pinnedEntries, int contextIds, boolean flushContextOnly) {
        this(softwareRefill, sets, ways, pinnedEntries, contextIds, flushContextOnly, 0, 0);
    }

    /**
     * A TLB without context ids (x86, and every TLB before this property existed).
     *
     * @param softwareRefill whether misses are filled by the kernel's software handler
     * @param sets           sets, a power of two
     * @param ways           ways per set
     * @param pinnedEntries  pinned entries, 0 if none
     */
    public TlbModel(boolean softwareRefill, int sets, int ways, int pinnedEntries) {
        this(softwareRefill, sets, ways, pinnedEntries, 0, false, 0, 0);
    }

    /** @return sets times ways */
    public int entries() {
        return sets * ways;
    }

    /**
     * @return stlbSets times stlbWays: 0 without a second-level TLB
     * @since 1.2
     */
    public int stlbEntries() {
        return stlbSets * stlbWays;
    }

    /** @return whether entries carry a context id (TID) and switch_mm flushes nothing */
    public boolean tagged() {
        return contextIds > 0;
    }
}
