package org.kmemu.arch.i386;

import org.kmemu.api.ConfigView;
import org.kmemu.x86.common.mmu.X86MmuOptions;

/**
 * Reads {@code kmemu.arch.i386} into {@link I386Options}, once, in {@code configure()}. A value that
 * parses but breaks a rule becomes {@link ConfigView#error}, naming the key.
 */
final class OptionsReader {
    private OptionsReader() {
    }

    /**
     * @param c the plugin's config subtree, reference.conf defaults included
     * @return the options
     * @throws org.kmemu.api.ConfigException for a missing, mistyped or bad value
     */
    static I386Options read(ConfigView c) {
        boolean pae = c.getBoolean("pae");
        String splitName = c.getString("vmsplit");
        VmSplit split = VmSplit.parse(splitName);
        if (split == null) {
            throw c.error("vmsplit", splitName + " (expected: one of " + VmSplit.names() + ")");
        }
        String layoutName = c.getString("layout");
        LayoutGeneration generation = LayoutGeneration.parse(layoutName);
        if (generation == null) {
            throw c.error("layout", layoutName + " (expected: current, legacy or classic)");
        }
        // __VMALLOC_RESERVE starts at its compiled-in value; the vmalloc=<size> boot parameter, when
        // given, replaces it with size + VMALLOC_OFFSET for the guard gap (arch/x86/mm/pgtable_32.c).
        String reserveKey = "vmalloc-reserve";
        long reserve = c.getBytes(reserveKey);
        if (!c.getString("vmalloc").isBlank()) {
            reserveKey = "vmalloc";
            long size = c.getBytes(reserveKey);
            if (size <= 0) {
                throw c.error(reserveKey, size + " (expected: a positive size, or \"\" for no vmalloc= parameter)");
            }
            reserve = size + FixedAreas.VMALLOC_OFFSET;
        }
        check(c, reserveKey, I386Options.vmallocReserveProblem(reserve));
        boolean highmem = c.getBoolean("highmem");
        int nrCpus = c.getInt("nr-cpus");
        check(c, "nr-cpus", I386Options.nrCpusProblem(nrCpus));
        int structPageBytes = c.getInt("struct-page-bytes");
        check(c, "struct-page-bytes", I386Options.structPageBytesProblem(structPageBytes));
        return new I386Options(pae, split, generation, reserve, highmem, nrCpus, structPageBytes);
    }

    /**
     * Builds the spec, reporting a layout that cannot work (the reserve leaves too little lowmem or
     * trips a mem_init check) against the key that set the reserve.
     *
     * @param c the plugin's config subtree
     * @return the spec
     */
    static I386Spec spec(ConfigView c) {
        I386Options o = read(c);
        boolean pse = c.getBoolean("pse");
        X86MmuOptions mmu = X86MmuOptions.from(c);
        if (mmu.nx() && !o.pae()) {
            // _PAGE_NX is 0 without CONFIG_X86_PAE (arch/x86/include/asm/pgtable_types.h): 4-byte
            // entries have no bit 63, and EFER.NXE only works with PAE paging (Intel SDM vol. 3A 4.1.1).
            throw c.error("nx", "true (expected: false without PAE, whose 4-byte entries have no NX bit; set"
                    + " pae = true for no-execute pages)");
        }
        try {
            return new I386Spec(o, pse, mmu);
        } catch (IllegalArgumentException e) {
            String key = c.getString("vmalloc").isBlank() ? "vmalloc-reserve" : "vmalloc";
            throw c.error(key, e.getMessage());
        }
    }

    private static void check(ConfigView c, String key, String problem) {
        if (problem != null) {
            throw c.error(key, problem);
        }
    }
}
