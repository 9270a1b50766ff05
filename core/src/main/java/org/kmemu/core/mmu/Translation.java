package org.kmemu.core.mmu;

import org.kmemu.api.PteFlags;

/**
 * The outcome of one page-table walk, filled in place so that a TLB miss allocates nothing. Each CPU
 * owns one and reuses it.
 */
final class Translation {
    /** Physical address of the page (of the whole large page for a huge leaf). */
    long pagePhys;
    /** log2 of the page size the leaf maps: 12, 21, 22 or 30. */
    int pageShift;
    /**
     * {@link PteFlags} of the leaf, with WRITE, USER and EXEC made effective over the whole walk
     * (x86 ANDs R/W and U/S over all levels and ORs NX; e500's two levels behave the same).
     */
    int flags;
    /** Levels read, 1 to levels(); on a fault, the level that stopped the walk is levelsRead - 1. */
    int levelsRead;
    /** The leaf's level. */
    int leafLevel;
    /** Physical address of the leaf entry, for setting accessed/dirty. */
    long leafEntryAddr;
    /** The raw entries read, root first. */
    final long[] entries;
    /** Their physical addresses. */
    final long[] entryAddrs;

    Translation(int levels) {
        entries = new long[levels];
        entryAddrs = new long[levels];
    }

    /** @return the physical address of {@code vaddr} inside the translated page */
    long physical(long vaddr) {
        return pagePhys | (vaddr & ((1L << pageShift) - 1));
    }
}
