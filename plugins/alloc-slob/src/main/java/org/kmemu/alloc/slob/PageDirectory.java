package org.kmemu.alloc.slob;

import java.util.Arrays;

/**
 * virt_to_slab() for SLOB: from a kernel address to the {@link SlobPage} of its page. Sections of
 * 2^15 page slots are made where SLOB has had pages and found by binary search on the section key.
 * Guarded by the SLOB lock (SLOB has one lock for everything; so does this).
 */
final class PageDirectory {
    private static final int SECTION_SHIFT = 15;
    private static final int SECTION_PAGES = 1 << SECTION_SHIFT;

    private final int pageShift;
    private long[] keys = new long[0];
    private SlobPage[][] sections = new SlobPage[0][];

    PageDirectory(int pageShift) {
        this.pageShift = pageShift;
    }

    /** @return the page descriptor for {@code vaddr}, or null */
    SlobPage lookup(long vaddr) {
        long vpn = vaddr >>> pageShift;
        int i = Arrays.binarySearch(keys, vpn >>> SECTION_SHIFT);
        return i < 0 ? null : sections[i][(int) (vpn & (SECTION_PAGES - 1))];
    }

    /** Points {@code nrPages} pages from {@code vaddr} at {@code page} (null to forget them). */
    void set(long vaddr, int nrPages, SlobPage page) {
        long vpn = vaddr >>> pageShift;
        for (int p = 0; p < nrPages; p++, vpn++) {
            section(vpn >>> SECTION_SHIFT)[(int) (vpn & (SECTION_PAGES - 1))] = page;
        }
    }

    private SlobPage[] section(long key) {
        int i = Arrays.binarySearch(keys, key);
        if (i >= 0) {
            return sections[i];
        }
        int at = -i - 1;
        long[] k = new long[keys.length + 1];
        SlobPage[][] s = new SlobPage[k.length][];
        System.arraycopy(keys, 0, k, 0, at);
        System.arraycopy(sections, 0, s, 0, at);
        k[at] = key;
        s[at] = new SlobPage[SECTION_PAGES];
        System.arraycopy(keys, at, k, at + 1, keys.length - at);
        System.arraycopy(sections, at, s, at + 1, keys.length - at);
        keys = k;
        sections = s;
        return s[at];
    }
}
