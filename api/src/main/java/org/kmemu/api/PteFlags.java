package org.kmemu.api;

/**
 * The meaning of a page-table entry, independent of any architecture's bit layout: what a
 * {@link PageTableFormat} decodes an entry into and encodes one from. The core's walker and TLBs
 * work with these; only the format knows where each bit sits (x86's {@code _PAGE_RW} at bit 1,
 * e500's {@code _PAGE_WRITE} at 0x4, x86's NX at bit 63 against e500's positive {@code _PAGE_EXEC}).
 *
 * <p>An {@code int} holding a set of these is the hot-path currency of translation: no objects.
 */
public final class PteFlags {
    private PteFlags() {
    }

    /** The entry is valid (x86 _PAGE_PRESENT, e500 _PAGE_PRESENT). */
    public static final int PRESENT = 1;
    /** Writes are allowed (x86 _PAGE_RW, e500 _PAGE_WRITE). */
    public static final int WRITE = 1 << 1;
    /** User mode may access (x86 _PAGE_USER; e500 _PAGE_READ on a user address). */
    public static final int USER = 1 << 2;
    /** Instruction fetch is allowed (x86: NX clear; e500 _PAGE_EXEC). */
    public static final int EXEC = 1 << 3;
    /** The page has been accessed (x86 _PAGE_ACCESSED, e500 _PAGE_ACCESSED). */
    public static final int ACCESSED = 1 << 4;
    /** The page has been written (x86 _PAGE_DIRTY, e500 _PAGE_DIRTY). */
    public static final int DIRTY = 1 << 5;
    /** The translation survives address-space switches (x86 _PAGE_GLOBAL; kernel mappings on e500). */
    public static final int GLOBAL = 1 << 6;
    /** A leaf above the last level: a large page (x86 _PAGE_PSE). */
    public static final int HUGE = 1 << 7;
    /** Caching disabled (x86 _PAGE_PCD, e500 _PAGE_NO_CACHE). */
    public static final int NO_CACHE = 1 << 8;
    /** Write-through caching (x86 _PAGE_PWT, e500 _PAGE_WRITETHRU). */
    public static final int WRITE_THROUGH = 1 << 9;
    /**
     * Guarded: no speculative access, accesses in program order (e500 _PAGE_GUARDED, the G of WIMGE), what
     * powerpc's {@code pgprot_noncached} adds for device registers. x86 has no such bit (its formats ignore it).
     *
     * @since 1.2
     */
    public static final int GUARDED = 1 << 10;

    /**
     * A software bit: the PTE maps a frame whose {@code struct page} the memory manager must not touch
     * ({@code pte_special()}: remap_pfn_range's and the zero page's entries; x86 _PAGE_SPECIAL = _PAGE_BIT_SOFTW1,
     * bit 9, arch/x86/include/asm/pgtable_types.h; e500 _PAGE_SPECIAL, arch/powerpc/include/asm/nohash/pte-e500.h).
     * The MMU ignores it.
     *
     * @since 1.2
     */
    public static final int SPECIAL = 1 << 11;

    private static final String[] NAMES = {"P", "RW", "USR", "X", "A", "D", "G", "HUGE", "PCD", "PWT", "GRD", "SPECIAL"};

    /**
     * @param flags a set of flags
     * @return them as short names separated by spaces, e.g. {@code "P RW A D G"}; execute is shown
     *         as {@code X} (x86 formats print their own NX view in {@link PageTableFormat#describe})
     */
    public static String toString(int flags) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < NAMES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                out.append(NAMES[i]);
            }
        }
        return out.toString();
    }
}
