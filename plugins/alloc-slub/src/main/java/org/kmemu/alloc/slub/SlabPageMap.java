package org.kmemu.alloc.slub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * virt_to_slab(): from any kernel address inside a slab to its {@link Slab}, in O(log sections).
 *
 * <pre>
 *   vaddr ──&gt;&gt;&gt; pageShift──&gt; vpn ──&gt;&gt;&gt; 15──&gt; section key ──binary search──&gt; Slab[32768]
 *                                  └──&amp; 0x7fff──────────────────────────────────┘ slot
 * </pre>
 *
 * Every page of a slab points at the slab (the kernel reaches the head page through compound_head).
 * A section costs 128 KiB of references per 128 MiB of 4 KiB-page address space and exists only where
 * slabs have been. Readers take no lock: the directory is copy-on-write behind a volatile field and
 * slots are written with release and read with acquire semantics. Writers hold this object's monitor.
 */
final class SlabPageMap {
    private static final int SECTION_SHIFT = 15;
    private static final int SECTION_PAGES = 1 << SECTION_SHIFT;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Slab[].class);

    private record Directory(long[] keys, Slab[][] sections) {
    }

    private final int pageShift;
    private volatile Directory directory = new Directory(new long[0], new Slab[0][]);

    SlabPageMap(int pageShift) {
        this.pageShift = pageShift;
    }

    /** @return the slab holding {@code vaddr}, or null */
    Slab lookup(long vaddr) {
        long vpn = vaddr >>> pageShift;
        Directory d = directory;
        int i = Arrays.binarySearch(d.keys, vpn >>> SECTION_SHIFT);
        if (i < 0) {
            return null;
        }
        return (Slab) SLOT.getAcquire(d.sections[i], (int) (vpn & (SECTION_PAGES - 1)));
    }

    /** Points {@code nrPages} pages from {@code vaddr} at {@code slab} (null to unmap). */
    synchronized void set(long vaddr, int nrPages, Slab slab) {
        long vpn = vaddr >>> pageShift;
        for (int p = 0; p < nrPages; p++, vpn++) {
            SLOT.setRelease(section(vpn >>> SECTION_SHIFT, slab != null), (int) (vpn & (SECTION_PAGES - 1)), slab);
        }
    }

    private Slab[] section(long key, boolean create) {
        Directory d = directory;
        int i = Arrays.binarySearch(d.keys, key);
        if (i >= 0) {
            return d.sections[i];
        }
        assert create : "unmapping a page that was never mapped";
        int at = -i - 1;
        long[] keys = new long[d.keys.length + 1];
        Slab[][] sections = new Slab[keys.length][];
        System.arraycopy(d.keys, 0, keys, 0, at);
        System.arraycopy(d.sections, 0, sections, 0, at);
        keys[at] = key;
        sections[at] = new Slab[SECTION_PAGES];
        System.arraycopy(d.keys, at, keys, at + 1, d.keys.length - at);
        System.arraycopy(d.sections, at, sections, at + 1, d.keys.length - at);
        directory = new Directory(keys, sections);
        return sections[at];
    }
}
