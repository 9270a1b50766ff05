package org.kmemu.core.mm;

/**
 * The layout of a non-slab frame's word in {@link PageFrames}: the kernel's {@code page->mapping} and
 * {@code page->index} packed into one {@code long}, so that struct page stays within its budget.
 *
 * <pre>
 *  63                                        20 19                       2   1       0
 * +--------------------------------------------+--------------------------+-------+------+
 * |              index (44 bits)               |  mapping handle (18 bits) |movable| anon |
 * +--------------------------------------------+--------------------------+-------+------+
 * </pre>
 * The two low bits are PAGE_MAPPING_FLAGS as in include/linux/page-flags.h: PAGE_MAPPING_ANON (1)
 * marks an anonymous page whose mapping is an anon_vma, PAGE_MAPPING_MOVABLE (2) a non-LRU movable
 * page, both together PAGE_MAPPING_KSM. The kernel keeps them in the low bits of the mapping pointer;
 * kmemu keeps them below a handle ({@link PageMappings}), where handle 0 is NULL.
 *
 * <p>Worked example: an anonymous page at user address 0x7f12_3456_7000 of anon_vma handle 5 has
 * index 0x7f1234567 (linear_page_index: the address's page number for an anonymous VMA) and word
 * {@code 0x7f1234567 << 20 | 5 << 2 | 1 = 0x007f_1234_5670_0015}.
 *
 * <p>Limits: 2^18 - 1 live mappings (address_spaces and anon_vmas together), and an index below 2^44
 * pages, which holds every user page number of 5-level x86_64 (2^56 bytes of user space) and any file
 * offset below 64 PiB.
 */
public final class MappingWord {
    private MappingWord() {
    }

    /** PAGE_MAPPING_ANON. */
    public static final long PAGE_MAPPING_ANON = 0x1;
    /** PAGE_MAPPING_MOVABLE. */
    public static final long PAGE_MAPPING_MOVABLE = 0x2;
    /** PAGE_MAPPING_KSM. */
    public static final long PAGE_MAPPING_KSM = PAGE_MAPPING_ANON | PAGE_MAPPING_MOVABLE;
    /** PAGE_MAPPING_FLAGS. */
    public static final long PAGE_MAPPING_FLAGS = PAGE_MAPPING_KSM;

    static final int HANDLE_SHIFT = 2;
    static final int HANDLE_BITS = 18;
    /** The largest mapping handle the word holds. */
    public static final int MAX_HANDLE = (1 << HANDLE_BITS) - 1;
    static final int INDEX_SHIFT = HANDLE_SHIFT + HANDLE_BITS;
    /** One past the largest index the word holds. */
    public static final long INDEX_LIMIT = 1L << (64 - INDEX_SHIFT);

    /**
     * @param handle a mapping handle, 1 to {@link #MAX_HANDLE} (0 for none)
     * @param flags  PAGE_MAPPING_FLAGS bits
     * @param index  the page's index (pgoff), 0 to {@link #INDEX_LIMIT} - 1
     * @return the word
     */
    public static long of(int handle, long flags, long index) {
        if (handle < 0 || handle > MAX_HANDLE) {
            throw new IllegalArgumentException("handle: " + handle + " (expected: 0 to " + MAX_HANDLE + ")");
        }
        if (index < 0 || index >= INDEX_LIMIT) {
            throw new IllegalArgumentException("index: " + index + " (expected: 0 to 2^44 - 1)");
        }
        if ((flags & ~PAGE_MAPPING_FLAGS) != 0) {
            throw new IllegalArgumentException("flags: " + flags + " (expected: PAGE_MAPPING_FLAGS bits)");
        }
        return index << INDEX_SHIFT | (long) handle << HANDLE_SHIFT | flags;
    }

    /** @param word a word @return the mapping handle, 0 for NULL */
    public static int handle(long word) {
        return (int) (word >>> HANDLE_SHIFT) & MAX_HANDLE;
    }

    /** @param word a word @return the mapping part: the handle with PAGE_MAPPING_FLAGS, as dump_page prints it */
    public static long mapping(long word) {
        return word & ((1L << INDEX_SHIFT) - 1);
    }

    /** @param word a word @return the page's index */
    public static long index(long word) {
        return word >>> INDEX_SHIFT;
    }

    /** @param word a word @return {@code PageAnon()}: PAGE_MAPPING_ANON set, KSM included */
    public static boolean isAnon(long word) {
        return (word & PAGE_MAPPING_ANON) != 0;
    }

    /** @param word a word @return the PAGE_MAPPING_FLAGS bits */
    public static long flags(long word) {
        return word & PAGE_MAPPING_FLAGS;
    }
}
