package org.kmemu.core.mm;

import java.util.Arrays;
import org.kmemu.api.ZoneType;

/**
 * The emulator's {@code mem_map}: one {@code int} of {@link PageFlags} per page frame, kept as
 * struct-of-arrays in sparse sections the way SPARSEMEM keeps {@code struct page}s
 * (include/linux/mmzone.h, mem_section). A section of {@value #PAGES_PER_SECTION} frames (128 MiB of
 * 4 KiB pages, x86_64's SECTION_SIZE_BITS 27) exists only if some RAM lies in it, so holes cost
 * nothing; {@link #pfnValid} is true exactly for frames of existing sections, as in Linux.
 *
 * <p>Frames in a section but outside RAM are PG_reserved forever. Reads and writes of different
 * frames are independent; callers synchronise writes to the same frame.
 */
public final class PageFrames {
    /** log2 of the frames per section. */
    public static final int SECTION_SHIFT = 15;
    /** Frames per section. */
    public static final int PAGES_PER_SECTION = 1 << SECTION_SHIFT;
    private static final int SECTION_MASK = PAGES_PER_SECTION - 1;

    private final int[][] sections;
    private final long maxPfn;

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

    /** @return bytes of heap the sections hold, for the boot report and the metadata budget */
    public long metadataBytes() {
        long n = 0;
        for (int[] s : sections) {
            if (s != null) {
                n += 4L * s.length;
            }
        }
        return n;
    }
}
