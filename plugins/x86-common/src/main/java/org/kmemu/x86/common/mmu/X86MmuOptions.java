package org.kmemu.x86.common.mmu;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.kmemu.api.ConfigView;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.TlbModel;

/**
 * The CPU-model keys both x86 plugins read from their config subtree: which MMU features are on, and
 * the TLB's geometry. Read once by {@link #from}; validated here.
 *
 * @param nx       EFER.NXE: no-execute pages
 * @param smep     CR4.SMEP
 * @param smap     CR4.SMAP
 * @param tlbSets  sets of the data TLB, a power of two
 * @param tlbWays  ways per set
 * @param stlbSets sets of the second-level TLB (STLB), a power of two; 0 for none
 * @param stlbWays ways per STLB set; 0 for none
 */
public record X86MmuOptions(boolean nx, boolean smep, boolean smap, int tlbSets, int tlbWays, int stlbSets, int stlbWays) {

    /** The largest geometry accepted: far above any real first-level TLB, small enough for an array. */
    static final int MAX_TLB_ENTRIES = 1 << 16;

    /** Checks the TLB geometry. */
    public X86MmuOptions {
        String p = tlbProblem(tlbSets, tlbWays);
        if (p != null) {
            throw new IllegalArgumentException("tlb: " + p);
        }
        if (!(stlbSets == 0 && stlbWays == 0)) {
            String q = tlbProblem(stlbSets, stlbWays);
            if (q != null) {
                throw new IllegalArgumentException("tlb.stlb: " + q + " (or both 0 for none)");
            }
        }
    }

    /**
     * Options without a second-level TLB.
     *
     * @param nx      EFER.NXE
     * @param smep    CR4.SMEP
     * @param smap    CR4.SMAP
     * @param tlbSets sets of the data TLB
     * @param tlbWays ways per set
     */
    public X86MmuOptions(boolean nx, boolean smep, boolean smap, int tlbSets, int tlbWays) {
        this(nx, smep, smap, tlbSets, tlbWays, 0, 0);
    }

    /**
     * Reads {@code nx}, {@code smep}, {@code smap}, {@code tlb.sets}, {@code tlb.ways} and, where the
     * subtree has them, {@code tlb.stlb.sets} and {@code tlb.stlb.ways} (both 0: no second-level TLB).
     *
     * @param c the plugin's config subtree
     * @return the options
     * @throws org.kmemu.api.ConfigException for a bad value, naming its key
     */
    public static X86MmuOptions from(ConfigView c) {
        int sets = c.getInt("tlb.sets");
        int ways = c.getInt("tlb.ways");
        if (sets <= 0 || Integer.bitCount(sets) != 1 || sets > MAX_TLB_ENTRIES) {
            throw c.error("tlb.sets", sets + " (expected: a power of two from 1 to " + MAX_TLB_ENTRIES + ")");
        }
        if (ways <= 0 || (long) sets * ways > MAX_TLB_ENTRIES) {
            throw c.error("tlb.ways", ways + " (expected: at least 1, and sets * ways at most " + MAX_TLB_ENTRIES + ")");
        }
        int stlbSets = c.hasPath("tlb.stlb.sets") ? c.getInt("tlb.stlb.sets") : 0;
        int stlbWays = c.hasPath("tlb.stlb.ways") ? c.getInt("tlb.stlb.ways") : 0;
        if (!(stlbSets == 0 && stlbWays == 0)) {
            if (stlbSets <= 0 || Integer.bitCount(stlbSets) != 1 || stlbSets > MAX_TLB_ENTRIES) {
                throw c.error("tlb.stlb.sets", stlbSets + " (expected: a power of two from 1 to " + MAX_TLB_ENTRIES
                        + ", or 0 with tlb.stlb.ways 0 for no second-level TLB)");
            }
            if (stlbWays <= 0 || (long) stlbSets * stlbWays > MAX_TLB_ENTRIES) {
                throw c.error("tlb.stlb.ways", stlbWays + " (expected: at least 1, and sets * ways at most " + MAX_TLB_ENTRIES + ")");
            }
        }
        return new X86MmuOptions(c.getBoolean("nx"), c.getBoolean("smep"), c.getBoolean("smap"), sets, ways, stlbSets, stlbWays);
    }

    private static String tlbProblem(int sets, int ways) {
        if (sets <= 0 || Integer.bitCount(sets) != 1 || ways <= 0 || (long) sets * ways > MAX_TLB_ENTRIES) {
            return "sets " + sets + ", ways " + ways + " (expected: sets a power of two, ways >= 1, sets * ways <= "
                    + MAX_TLB_ENTRIES + ")";
        }
        return null;
    }

    /** @return the features that are on, unmodifiable */
    public Set<CpuFeature> cpuFeatures() {
        EnumSet<CpuFeature> set = EnumSet.noneOf(CpuFeature.class);
        if (nx) {
            set.add(CpuFeature.NX);
        }
        if (smep) {
            set.add(CpuFeature.SMEP);
        }
        if (smap) {
            set.add(CpuFeature.SMAP);
        }
        return Collections.unmodifiableSet(set);
    }

    /** @return the TLB: hardware-walked on x86, no pinned entries, no context ids, the STLB if configured */
    public TlbModel tlbModel() {
        return new TlbModel(false, tlbSets, tlbWays, 0, 0, false, stlbSets, stlbWays);
    }
}
