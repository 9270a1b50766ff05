package org.kmemu.arch.booke;

import org.kmemu.api.ConfigView;

/**
 * The e500 core's MMU geometry and the oops banner's machine name, read once from {@code kmemu.arch.booke} by
 * {@link #from}. Freescale e500 Core Reference Manual, MMU chapter: TLB0 holds 4 KiB pages only, 256 entries
 * 2-way on e500v1 and 512 entries 4-way on e500v2; TLB1 is fully associative with 16 variable-size entries
 * (64 on e500mc, e5500, e6500).
 *
 * @param tlb0Entries entries of TLB0
 * @param tlb0Ways    its associativity
 * @param tlb1Entries entries of TLB1 (TLB1CFG[NENTRY])
 * @param machine     ppc_md.name, printed by die() after the oops header ("QEMU e500" for qemu's ppce500 board)
 * @param contextIds  LAST_CONTEXT: context ids 1..this go into the PID register (arch/powerpc/mm/nohash/mmu_context.c:
 *                    255 on e500, whose PID is 8 bits)
 * @param tlbilx      MMU_FTR_USE_TLBILX: the core has {@code tlbilx} and flushes one PID's entries; without it
 *                    (e500v1/v2) {@code _tlbil_pid} flash-invalidates all of TLB0 (arch/powerpc/mm/nohash/tlb_low.S)
 */
record BookeMmuOptions(int tlb0Entries, int tlb0Ways, int tlb1Entries, String machine, int contextIds, boolean tlbilx) {

    /** Checks every rule. */
    BookeMmuOptions {
        String[] p = problems(tlb0Entries, tlb0Ways, tlb1Entries, contextIds);
        if (p != null) {
            throw new IllegalArgumentException(p[0] + ": " + p[1]);
        }
    }

    /**
     * e500v1/v2's context handling (255 ids, no tlbilx) with the given geometry.
     *
     * @param tlb0Entries entries of TLB0
     * @param tlb0Ways    its associativity
     * @param tlb1Entries entries of TLB1
     * @param machine     ppc_md.name
     */
    BookeMmuOptions(int tlb0Entries, int tlb0Ways, int tlb1Entries, String machine) {
        this(tlb0Entries, tlb0Ways, tlb1Entries, machine, 255, false);
    }

    /** @return the shipped reference.conf values (e500v2 on qemu's ppce500 board), for tests */
    static BookeMmuOptions e500v2() {
        return new BookeMmuOptions(512, 4, 16, "QEMU e500");
    }

    /**
     * @param c            the plugin's config subtree
     * @param lowmemCamNum CONFIG_LOWMEM_CAM_NUM, which TLB1 must hold
     * @return the options
     * @throws org.kmemu.api.ConfigException for a bad value
     */
    static BookeMmuOptions from(ConfigView c, int lowmemCamNum) {
        int entries = c.getInt("tlb0.entries");
        int ways = c.getInt("tlb0.ways");
        int tlb1 = c.getInt("tlb1-entries");
        int contexts = c.getInt("context-ids");
        String[] p = problems(entries, ways, tlb1, contexts);
        if (p != null) {
            throw c.error(p[0], p[1]);
        }
        if (lowmemCamNum > tlb1) {
            throw c.error("lowmem-cam-num", lowmemCamNum + " (expected: at most tlb1-entries = " + tlb1
                    + ": each lowmem CAM is a TLB1 entry)");
        }
        return new BookeMmuOptions(entries, ways, tlb1, c.getString("machine"), contexts, c.getBoolean("tlbilx"));
    }

    private static String[] problems(int entries, int ways, int tlb1, int contexts) {
        if (contexts < 1 || contexts > 65535) {
            return new String[] {"context-ids", contexts + " (expected: 1..65535, LAST_CONTEXT: 255 on e500)"};
        }
        if (ways <= 0 || entries <= 0 || entries % ways != 0 || Integer.bitCount(entries / ways) != 1) {
            return new String[] {"tlb0", "entries = " + entries + ", ways = " + ways
                    + " (expected: entries / ways a power of two, e.g. 512/4 on e500v2, 256/2 on e500v1)"};
        }
        if (tlb1 < 1 || tlb1 > 4095) {
            return new String[] {"tlb1-entries", tlb1 + " (expected: 1..4095, TLB1CFG[NENTRY]; 16 on e500v1/v2, 64 on e500mc)"};
        }
        return null;
    }
}
