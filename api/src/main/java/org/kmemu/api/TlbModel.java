package org.kmemu.api;

/**
 * How an architecture's TLB is filled and sized.
 *
 * <ul>
 *   <li>x86: {@code softwareRefill = false}. On a miss the hardware walker reads the page tables
 *       and sets the accessed and dirty bits itself.</li>
 *   <li>PowerPC e500: {@code softwareRefill = true}. A miss traps to Linux's handler, which walks the
 *       Linux tables, sets accessed/dirty in software and writes a 4 KiB entry into TLB0; lowmem is
 *       pinned in TLB1 entries at boot so that it never misses.</li>
 * </ul>
 *
 * @param softwareRefill whether misses are filled by the kernel's software handler
 * @param sets           sets of the (main or TLB0) TLB, a power of two
 * @param ways           ways per set; 1 makes it direct-mapped
 * @param pinnedEntries  entries of a separate array for pinned variable-size translations (e500 TLB1), 0 if none
 */
public record TlbModel(boolean softwareRefill, int sets, int ways, int pinnedEntries) {

    /** Checks the geometry. */
    public TlbModel {
        if (sets <= 0 || Integer.bitCount(sets) != 1) {
            throw new IllegalArgumentException("sets: " + sets + " (expected: a power of two)");
        }
        if (ways <= 0 || pinnedEntries < 0) {
            throw new IllegalArgumentException("ways: " + ways + ", pinnedEntries: " + pinnedEntries
                    + " (expected: ways > 0, pinnedEntries >= 0)");
        }
    }

    /** @return sets times ways */
    public int entries() {
        return sets * ways;
    }
}
