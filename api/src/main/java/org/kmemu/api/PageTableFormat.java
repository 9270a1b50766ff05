package org.kmemu.api;

/**
 * An architecture's page-table format: how many levels, how a virtual address is split into
 * indices, how big an entry is, and how an entry's bits encode an address and {@link PteFlags}.
 * The core's generic walker reads tables from emulated RAM in the machine's byte order and asks the
 * format what each entry means; boot and later kernel services build entries through it.
 *
 * <p>Levels count from the root: level 0 is the PGD (x86 CR3 points at it), the last level holds
 * PTEs. An x86_64 4-level format has levels PGD, PUD, PMD, PTE with index shifts 39, 30, 21, 12.
 *
 * <p>Immutable and thread-safe; {@link #decode} and {@link #address} are on the TLB-miss path, so
 * they must not allocate.
 *
 * <p><b>Caller and thread.</b> The core's page-table walker and builders, on any CPU's thread.
 * <b>Failure.</b> The core only makes well-formed calls; an exception from one is a plugin bug and stops
 * the run. <b>TCK.</b> {@code ArchitectureContractTest}: the address split
 * down to the page, entries decoding to what was encoded.
 *
 * @since 1.0
 */
public interface PageTableFormat {

    /** @return the number of levels actually walked (2 for i386 and ppc32, 3 for PAE, 4 or 5 for x86_64) */
    int levels();

    /**
     * @param level 0 (root) to {@link #levels()} - 1
     * @return the kernel's name for the level: "PGD", "P4D", "PUD", "PMD" or "PTE"
     */
    String levelName(int level);

    /**
     * @param level a level
     * @return the shift of the virtual-address bits that index it (PGDIR_SHIFT ... PAGE_SHIFT)
     */
    int indexShift(int level);

    /**
     * @param level a level
     * @return how many index bits it takes: the table has {@code 1 << indexBits} entries (PTRS_PER_*)
     */
    int indexBits(int level);

    /** @return bytes per entry: 4 (i386 non-PAE, ppc32) or 8 */
    int entryBytes();

    /**
     * @param level a level
     * @return whether a leaf (a large page) may sit at that level: x86_64 PUD (1 GiB) and PMD
     *         (2 MiB), i386 PGD (4 MiB with PSE), PAE PMD (2 MiB), always the last level
     */
    boolean leafAllowed(int level);

    /**
     * @param entry a raw entry as read from the table
     * @param level the level it was read at
     * @return its {@link PteFlags}; 0 for an entry that is not present
     */
    int decode(long entry, int level);

    /**
     * {@link #decode(long, int)} for an entry met while translating {@code vaddr}. Formats whose
     * meaning depends on the address override it: e500's miss handler (arch/powerpc/kernel/head_85xx.S)
     * treats entries under PAGE_OFFSET as user pages and those above as global kernel pages, with no
     * user bit in the 32-bit PTE. The walker always calls this one.
     *
     * @param entry a raw entry as read from the table
     * @param level the level it was read at
     * @param vaddr the virtual address being translated
     * @return its {@link PteFlags}; 0 for an entry that is not present
     */
    default int decode(long entry, int level, long vaddr) {
        return decode(entry, level);
    }

    /**
     * The physical address an entry points at: the next table, or for a leaf the start of the page.
     * (On e500 the upper level holds the table's kernel <em>virtual</em> address; the format turns
     * it into the physical one.)
     *
     * @param entry a present entry
     * @param level its level
     * @return a physical address
     */
    long address(long entry, int level);

    /**
     * @param tablePhys physical address of the next-level table
     * @param level     the level of the entry being made (not the table's)
     * @param flags     {@link PteFlags} for the entry; {@code USER} makes the subtree reachable from user space
     * @return an entry pointing at the table
     */
    long encodeTable(long tablePhys, int level, int flags);

    /**
     * @param pagePhys physical address of the page, aligned to the leaf size of {@code level}
     * @param level    a level where {@link #leafAllowed} holds
     * @param flags    {@link PteFlags}; {@code HUGE} is added by the format where the level needs it
     * @return the leaf entry
     */
    long encodeLeaf(long pagePhys, int level, int flags);

    /**
     * How hardware (x86) or the software miss handler (e500) records an access in the entry.
     *
     * @param entry a present leaf
     * @param level its level
     * @param flags the {@link PteFlags#ACCESSED}/{@link PteFlags#DIRTY} bits to set
     * @return the entry with them set
     */
    long withFlags(long entry, int level, int flags);

    /**
     * @param entry a raw entry
     * @param level its level
     * @return the entry's bits by their kernel names, e.g. {@code "P RW A D G NX"} or {@code "not present"}
     */
    String describe(long entry, int level);
}
