package org.kmemu.core.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.ZoneType;

/**
 * The emulator's {@code mem_map}: the fields of {@code struct page} (include/linux/mm_types.h) as
 * struct-of-arrays in sparse sections, the way SPARSEMEM keeps them (include/linux/mmzone.h,
 * mem_section). A section of {@value #PAGES_PER_SECTION} frames (128 MiB of 4 KiB pages, x86_64's
 * SECTION_SIZE_BITS 27) exists only if some RAM lies in it, so holes cost nothing; {@link #pfnValid}
 * is true exactly for frames of existing sections, as in Linux.
 *
 * <h2>Fields and their cost per frame</h2>
 * <pre>
 *  field          type   bytes  when it exists
 *  flags          int      4    always (boot writes PG_reserved and the zone into every frame)
 *  word           long     8    from the first write to a word of the section: mapping|index, the slab
 *                               owner, or a free page's list links (a union, see below)
 *  _refcount      int      4    from the first count written in the section (a page handed out)
 *  _mapcount      int      4    with _refcount
 * </pre>
 * That is 20 bytes per frame fully populated; the page allocator adds its own (the buddy: 1 byte per
 * frame and 1 per pageblock, {@link org.kmemu.api.PageAllocator#metadataBytes}), against the kernel's
 * 64-byte struct page. A section whose frames were never handed out keeps only its flags and, once boot
 * has put its free blocks on the allocator's lists, its words: its frames read as the kernel's boot
 * state, refcount 1 for PG_reserved frames and 0 for free ones (mm/mm_init.c
 * {@code __init_single_page}, then {@code __free_pages_core}), mapcount 0. The lazy parts are made
 * under this object's monitor and published with release semantics, so readers take no lock.
 *
 * <h2>Pin counts</h2>
 * A pin (FOLL_PIN) adds {@link #GUP_PIN_COUNTING_BIAS} to the refcount, as the kernel does for small
 * folios (include/linux/mm.h), so there is no separate pin field.
 *
 * <h2>The word: a union, as in struct page</h2>
 * For a slab page (PG_slab) the word is the object-allocator's owner handle (the kernel's
 * {@code slab->slab_cache} overlays {@code page->mapping}). For a page free in the page allocator it
 * belongs to the allocator, which threads its free lists through it ({@link #freePageWords()}; the
 * kernel's {@code page->buddy_list}); such a page has refcount 0 and no mapping, and the allocator
 * hands it out with the word 0 again. For any other page it is {@link MappingWord}: the mapping
 * handle with PAGE_MAPPING_ANON in its low bit, and the page's index.
 *
 * <p>Frames in a section but outside RAM are PG_reserved forever. Refcount and mapcount changes are
 * atomic; the flags of one frame are changed with plain writes by the frame's owner (boot, the
 * allocating or freeing caller) or atomically ({@link #testAndSetFlag}, {@link #clearFlag}) where
 * several CPUs may race, as the kernel's {@code SetPageDirty} / {@code __SetPageSlab} pairs do.
 */
public final class PageFrames {
    /** GUP_PIN_COUNTING_BIAS: what one FOLL_PIN adds to a small page's refcount (include/linux/mm.h). */
    public static final int GUP_PIN_COUNTING_BIAS = 1 << 10;

    private static final VarHandle INT = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle EXTRA = MethodHandles.arrayElementVarHandle(Extra[].class);
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[][].class);

    /** The lazily made counts of one section. */
    private static final class Extra {
        final int[] refcount = new int[PAGES_PER_SECTION];
        final int[] mapcount = new int[PAGES_PER_SECTION];
    }

    /** log2 of the frames per section. */
    public static final int SECTION_SHIFT = 15;
    /** Frames per section. */
    public static final int PAGES_PER_SECTION = 1 << SECTION_SHIFT;
    private static final int SECTION_MASK = PAGES_PER_SECTION - 1;

    private final int[][] sections;
    private final long[][] words;
    private final Extra[] extras;
    private final long maxPfn;
    private final FreePageWords lent;

    /**
     * Creates the sections that hold RAM, every frame PG_reserved.
     *
     * @param maxPfn       one past the highest frame
     * @param memoryRanges RAM ranges in pfns, each {start, end}
     */
    public PageFrames(long maxPfn, Iterable<long[]> memoryRanges) {
        long nrSections = (maxPfn + SECTION_MASK) >>> SECTION_SHIFT;
        if (nrSections > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxPfn: " + maxPfn + " (expected: fewer than 2^46 frames)");
        }
        this.maxPfn = maxPfn;
        this.sections = new int[(int) nrSections][];
        this.extras = new Extra[(int) nrSections];
        this.words = new long[(int) nrSections][];
        this.lent = new Lent(this);
        for (long[] r : memoryRanges) {
            for (long s = r[0] >>> SECTION_SHIFT; s < r[1] + SECTION_MASK >>> SECTION_SHIFT; s++) {
                if (sections[(int) s] == null) {
                    int[] section = new int[PAGES_PER_SECTION];
                    Arrays.fill(section, PageFlags.PG_RESERVED);
                    sections[(int) s] = section;
                }
            }
        }
    }

    /** @return one past the highest frame */
    public long maxPfn() {
        return maxPfn;
    }

    /**
     * @param pfn a page frame number
     * @return {@code pfn_valid()}: whether the frame has a struct page
     */
    public boolean pfnValid(long pfn) {
        return pfn >= 0 && pfn < maxPfn && sections[(int) (pfn >>> SECTION_SHIFT)] != null;
    }

    /**
     * @param pfn a valid frame
     * @return its flags
     */
    public int flags(long pfn) {
        return sections[(int) (pfn >>> SECTION_SHIFT)][(int) (pfn & SECTION_MASK)];
    }

    /**
     * @param pfn a valid frame
     * @return {@code PageReserved()}
     */
    public boolean isReserved(long pfn) {
        return (flags(pfn) & PageFlags.PG_RESERVED) != 0;
    }

    /**
     * {@code SetPageReserved}/{@code ClearPageReserved} over a range, as boot does.
     *
     * @param startPfn first frame
     * @param endPfn   one past the last frame
     * @param reserved the value to set
     */
    public void setReserved(long startPfn, long endPfn, boolean reserved) {
        update(startPfn, endPfn, ~PageFlags.PG_RESERVED, reserved ? PageFlags.PG_RESERVED : 0);
    }

    /**
     * {@code set_page_zone()} over a range; frames of sections without RAM are skipped.
     *
     * @param startPfn first frame
     * @param endPfn   one past the last frame
     * @param zone     the zone
     */
    public void setZone(long startPfn, long endPfn, ZoneType zone) {
        update(startPfn, endPfn, ~(PageFlags.ZONE_MASK << PageFlags.ZONE_SHIFT), zone.ordinal() << PageFlags.ZONE_SHIFT);
    }

    /**
     * {@code flags = (flags & and) | or} for every frame of [startPfn, endPfn) in existing sections,
     * a section at a time so that the inner loop is a plain array loop the JIT unrolls and vectorises
     * (boot runs it over every frame: 2^28 of them on a 1 TiB machine).
     */
    private void update(long startPfn, long endPfn, int and, int or) {
        long pfn = startPfn;
        while (pfn < endPfn) {
            int s = (int) (pfn >>> SECTION_SHIFT);
            long sectionEnd = Math.min(endPfn, ((long) s + 1) << SECTION_SHIFT);
            int[] section = sections[s];
            if (section != null) {
                int to = (int) (sectionEnd - ((long) s << SECTION_SHIFT));
                for (int i = (int) (pfn & SECTION_MASK); i < to; i++) {
                    section[i] = (section[i] & and) | or;
                }
            }
            pfn = sectionEnd;
        }
    }

    /**
     * Sets or clears flag bits (PG_slab, PG_large_kmalloc) and the stored order on a range of frames;
     * the caller owns the frames (it just allocated or is freeing them).
     *
     * @param startPfn first frame
     * @param endPfn   one past the last frame
     * @param bits     the {@link PageFlags} bits to set, or clear
     * @param set      true to set, false to clear
     */
    public void setFlags(long startPfn, long endPfn, int bits, boolean set) {
        update(startPfn, endPfn, ~bits, set ? bits : 0);
    }

    /**
     * Stores a large kmalloc's order on its first frame.
     *
     * @param pfn   the first frame
     * @param order the order, 0 to 15
     */
    public void setOrder(long pfn, int order) {
        int mask = PageFlags.ORDER_MASK << PageFlags.ORDER_SHIFT;
        update(pfn, pfn + 1, ~mask, (order & PageFlags.ORDER_MASK) << PageFlags.ORDER_SHIFT);
    }

    /**
     * The heap of the per-frame arrays, computed from their lengths: flags of every section, and the
     * words and counts of the sections that have them. Array headers and the section tables (a few
     * bytes per 128 MiB section) are left out.
     *
     * @return bytes of heap the sections hold, for the boot report and the metadata budget
     */
    public long metadataBytes() {
        long n = 0;
        for (int s = 0; s < sections.length; s++) {
            if (sections[s] != null) {
                n += (long) sections[s].length * Integer.BYTES;
            }
            long[] w = words(s);
            if (w != null) {
                n += (long) w.length * Long.BYTES;
            }
            Extra e = extra(s);
            if (e != null) {
                n += ((long) e.refcount.length + e.mapcount.length) * Integer.BYTES;
            }
        }
        return n;
    }

    /**
     * Makes the lazy words and counts of every section that holds RAM, as a machine that has used a
     * frame in every section has them: the struct page fully populated, for measuring its cost. Frames
     * keep their values (a section's counts start at the boot state).
     */
    public void populateAll() {
        for (int s = 0; s < sections.length; s++) {
            if (sections[s] != null) {
                long pfn = (long) s << SECTION_SHIFT;
                fullWords(pfn);
                full(pfn);
            }
        }
    }

    /** @return the frames that have a struct page: every frame of every section that holds RAM */
    public long presentFrames() {
        long n = 0;
        for (int[] section : sections) {
            if (section != null) {
                n += PAGES_PER_SECTION;
            }
        }
        return n;
    }

    /** @return how many sections have their counts made (a frame in them was handed out) */
    public int fullSections() {
        int n = 0;
        for (int s = 0; s < sections.length; s++) {
            if (extra(s) != null) {
                n++;
            }
        }
        return n;
    }

    /** @return how many sections have their words made */
    public int wordSections() {
        int n = 0;
        for (int s = 0; s < sections.length; s++) {
            if (words(s) != null) {
                n++;
            }
        }
        return n;
    }

    // ---- _refcount (include/linux/page_ref.h) ----

    /**
     * @param pfn a valid frame
     * @return {@code page_ref_count()}: pins count {@link #GUP_PIN_COUNTING_BIAS} each
     */
    public int refcount(long pfn) {
        Extra e = extra((int) (pfn >>> SECTION_SHIFT));
        if (e == null) {
            return isReserved(pfn) ? 1 : 0;
        }
        return (int) INT.getAcquire(e.refcount, (int) (pfn & SECTION_MASK));
    }

    /**
     * {@code set_page_count()}: e.g. 1 for a page leaving the allocator ({@code set_page_refcounted}),
     * 0 for one going back.
     *
     * @param pfn   a valid frame
     * @param count the new count
     */
    public void setRefcount(long pfn, int count) {
        INT.setRelease(full(pfn).refcount, (int) (pfn & SECTION_MASK), count);
    }

    /**
     * {@code page_ref_add_return()}: an atomic add.
     *
     * @param pfn   a valid frame
     * @param delta what to add (negative to drop references)
     * @return the count after the add
     */
    public int refAdd(long pfn, int delta) {
        return (int) INT.getAndAdd(full(pfn).refcount, (int) (pfn & SECTION_MASK), delta) + delta;
    }

    /**
     * {@code page_ref_add_unless(page, delta, 0)}: adds only if the count is not zero, so that a page
     * on its way to (or in) the allocator is never revived ({@code get_page_unless_zero},
     * {@code folio_try_get}).
     *
     * @param pfn   a valid frame
     * @param delta what to add
     * @return whether it added
     */
    public boolean refAddUnlessZero(long pfn, int delta) {
        int[] rc = full(pfn).refcount;
        int i = (int) (pfn & SECTION_MASK);
        for (;;) {
            int old = (int) INT.getAcquire(rc, i);
            if (old == 0) {
                return false;
            }
            if (INT.compareAndSet(rc, i, old, old + delta)) {
                return true;
            }
        }
    }

    // ---- _mapcount (include/linux/mm.h) ----

    /**
     * @param pfn a valid frame
     * @return {@code page_mapcount()}: how many page-table entries map the frame (the kernel's
     *         {@code _mapcount + 1}; kmemu stores the count itself so that zero-filled arrays mean -1)
     */
    public int mapcount(long pfn) {
        Extra e = extra((int) (pfn >>> SECTION_SHIFT));
        return e == null ? 0 : (int) INT.getAcquire(e.mapcount, (int) (pfn & SECTION_MASK));
    }

    /**
     * An atomic add to the mapcount ({@code atomic_inc_and_test(&page->_mapcount)} and its pair).
     *
     * @param pfn   a valid frame
     * @param delta +1 when a PTE maps the frame, -1 when one stops
     * @return the mapcount after the add
     */
    public int mapcountAdd(long pfn, int delta) {
        return (int) INT.getAndAdd(full(pfn).mapcount, (int) (pfn & SECTION_MASK), delta) + delta;
    }

    // ---- the word: mapping|index or the slab owner ----

    /**
     * @param pfn a valid frame
     * @return the frame's word: a {@link MappingWord} or, on a PG_slab frame, the slab owner; 0 if unset
     */
    public long word(long pfn) {
        long[] w = words((int) (pfn >>> SECTION_SHIFT));
        return w == null ? 0 : (long) LONG.getAcquire(w, (int) (pfn & SECTION_MASK));
    }

    /**
     * Sets the word of every frame in [startPfn, endPfn), with release semantics so that a CPU that
     * reads it afterwards sees what the writer did before.
     *
     * @param startPfn first frame
     * @param endPfn   one past the last frame
     * @param word     the value
     */
    public void setWord(long startPfn, long endPfn, long word) {
        for (long pfn = startPfn; pfn < endPfn; pfn++) {
            LONG.setRelease(fullWords(pfn), (int) (pfn & SECTION_MASK), word);
        }
    }

    /**
     * An atomic add to one frame's word (a compound block's first tail page counts the folio's pins
     * there, folio->_pincount).
     *
     * @param pfn   a valid frame
     * @param delta what to add
     * @return the word after the add
     */
    public long wordAdd(long pfn, long delta) {
        return (long) LONG.getAndAdd(fullWords(pfn), (int) (pfn & SECTION_MASK), delta) + delta;
    }

    // ---- atomic flag operations (include/linux/page-flags.h SetPageX/TestSetPageX/ClearPageX) ----

    /**
     * {@code TestSetPageX()}: sets the bits atomically.
     *
     * @param pfn  a valid frame
     * @param bits {@link PageFlags} bits
     * @return whether all of them were set already
     */
    public boolean testAndSetFlag(long pfn, int bits) {
        int[] section = sections[(int) (pfn >>> SECTION_SHIFT)];
        int i = (int) (pfn & SECTION_MASK);
        int old = (int) INT.getAndBitwiseOr(section, i, bits);
        return (old & bits) == bits;
    }

    /**
     * {@code TestClearPageX()}: clears the bits atomically.
     *
     * @param pfn  a valid frame
     * @param bits {@link PageFlags} bits
     * @return whether any of them was set
     */
    public boolean clearFlag(long pfn, int bits) {
        int[] section = sections[(int) (pfn >>> SECTION_SHIFT)];
        int old = (int) INT.getAndBitwiseAnd(section, (int) (pfn & SECTION_MASK), ~bits);
        return (old & bits) != 0;
    }

    /**
     * What free_pages_prepare() does to a page going back to the allocator: clears the state flags
     * (not PG_reserved, PG_slab or the zone), the mapping word and the counts, so that the page reads
     * as a free one.
     *
     * @param pfn   the block's first frame
     * @param order its order
     */
    public void resetForFree(long pfn, int order) {
        long end = pfn + (1L << order);
        update(pfn, end, ~(PageFlags.STATE_FLAGS | (PageFlags.ORDER_MASK << PageFlags.ORDER_SHIFT)), 0);
        for (long p = pfn; p < end; p++) {
            int s = (int) (p >>> SECTION_SHIFT);
            int i = (int) (p & SECTION_MASK);
            Extra e = extra(s);
            if (e != null) {
                INT.setRelease(e.refcount, i, 0);
                INT.setRelease(e.mapcount, i, 0);
            }
            long[] w = words(s);
            if (w != null) {
                LONG.setRelease(w, i, 0L);
            }
        }
    }

    /**
     * The words of free pages, lent to the page allocator for its list links
     * ({@link org.kmemu.api.PageAllocatorContext#freePageWords()}). Its accesses are plain: the
     * allocator's locks order them, as {@link FreePageWords} says.
     *
     * @return the lent view of this struct page's words
     */
    public FreePageWords freePageWords() {
        return lent;
    }

    /**
     * {@link FreePageWords} over the sections' words, with plain loads throughout, the section table's
     * too: a racy read of a section's words array sees null (and goes to {@link #makeWords}, which
     * locks) or the array, whose elements a new array has as zeros anyway; what the allocator wrote is
     * ordered by its own locks.
     */
    private static final class Lent implements FreePageWords {
        /** The frames' section table of words: fixed, its slots filled lazily. */
        private final long[][] table;
        private final PageFrames frames;

        Lent(PageFrames frames) {
            this.frames = frames;
            this.table = frames.words;
        }

        @Override
        public long get(long pfn) {
            long[] w = table[(int) (pfn >>> SECTION_SHIFT)];
            return w == null ? 0 : w[(int) (pfn & SECTION_MASK)];
        }

        @Override
        public void set(long pfn, long word) {
            int s = (int) (pfn >>> SECTION_SHIFT);
            long[] w = table[s];
            if (w == null) {
                w = frames.makeWords(s);
            }
            w[(int) (pfn & SECTION_MASK)] = word;
        }
    }

    private long[] words(int section) {
        return (long[]) WORDS.getAcquire(words, section);
    }

    /** @return the frame's section's words, made on first use */
    private long[] fullWords(long pfn) {
        int s = (int) (pfn >>> SECTION_SHIFT);
        long[] w = words(s);
        return w != null ? w : makeWords(s);
    }

    private synchronized long[] makeWords(int s) {
        long[] w = words(s);
        if (w == null) {
            if (sections[s] == null) {
                throw new IllegalArgumentException("pfn: section " + s + " (expected: a valid frame)");
            }
            w = new long[PAGES_PER_SECTION];
            WORDS.setRelease(words, s, w);
        }
        return w;
    }

    private Extra extra(int section) {
        return (Extra) EXTRA.getAcquire(extras, section);
    }

    /** @return the frame's section's lazy fields, made on first use */
    private Extra full(long pfn) {
        int s = (int) (pfn >>> SECTION_SHIFT);
        Extra e = extra(s);
        return e != null ? e : make(s);
    }

    private synchronized Extra make(int s) {
        Extra e = extra(s);
        if (e == null) {
            if (sections[s] == null) {
                throw new IllegalArgumentException("pfn: section " + s + " (expected: a valid frame)");
            }
            e = new Extra();
            int[] flags = sections[s];
            for (int i = 0; i < PAGES_PER_SECTION; i++) {
                // __init_single_page(): every struct page starts with refcount 1; boot's free gives the
                // free ones 0. Reserved frames keep their 1.
                e.refcount[i] = (flags[i] & PageFlags.PG_RESERVED) != 0 ? 1 : 0;
            }
            EXTRA.setRelease(extras, s, e);
        }
        return e;
    }
}
