package org.kmemu.alloc.slab;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * virt_to_head_page()-&gt;slab: from any address inside a slab to its {@link Slab}.
 *
 * <pre>
 *   vaddr &gt;&gt;&gt; pageShift = vpn;   vpn &gt;&gt;&gt; 14 = chunk key (binary search in keys[])
 *                               vpn &amp; 0x3fff = slot in that chunk's 16384 references
 * </pre>
 *
 * Chunks exist only where slabs have been. Lookups take no lock: the key/chunk arrays are replaced
 * copy-on-write behind a volatile field and slots are atomic. Writers hold this object's monitor.
 */
final class SlabPageMap {
    private static final int CHUNK_SHIFT = 14;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

    private record Chunks(long[] keys, AtomicReferenceArray<Slab>[] slots) {
    }

    private final int pageShift;
    @SuppressWarnings("unchecked")
    private volatile Chunks chunks = new Chunks(new long[0], new AtomicReferenceArray[0]);

    SlabPageMap(int pageShift) {
        this.pageShift = pageShift;
    }

    /** @return the slab whose pages hold {@code vaddr}, or null */
    Slab lookup(long vaddr) {
        long vpn = vaddr >>> pageShift;
        Chunks c = chunks;
        int i = Arrays.binarySearch(c.keys, vpn >>> CHUNK_SHIFT);
        return i < 0 ? null : c.slots[i].get((int) (vpn & CHUNK_MASK));
    }

    /** Points the slab's pages at it (slab_map_pages). */
    synchronized void map(Slab slab, int nrPages) {
        long vpn = slab.base >>> pageShift;
        for (int p = 0; p < nrPages; p++, vpn++) {
            chunk(vpn >>> CHUNK_SHIFT).set((int) (vpn & CHUNK_MASK), slab);
        }
    }

    /** Forgets the slab's pages before they go back to the page allocator. */
    synchronized void unmap(Slab slab, int nrPages) {
        long vpn = slab.base >>> pageShift;
        for (int p = 0; p < nrPages; p++, vpn++) {
            chunk(vpn >>> CHUNK_SHIFT).set((int) (vpn & CHUNK_MASK), null);
        }
    }

    @SuppressWarnings("unchecked")
    private AtomicReferenceArray<Slab> chunk(long key) {
        Chunks c = chunks;
        int i = Arrays.binarySearch(c.keys, key);
        if (i >= 0) {
            return c.slots[i];
        }
        int at = -i - 1;
        long[] keys = new long[c.keys.length + 1];
        AtomicReferenceArray<Slab>[] slots = new AtomicReferenceArray[keys.length];
        System.arraycopy(c.keys, 0, keys, 0, at);
        System.arraycopy(c.slots, 0, slots, 0, at);
        keys[at] = key;
        slots[at] = new AtomicReferenceArray<>(1 << CHUNK_SHIFT);
        System.arraycopy(c.keys, at, keys, at + 1, c.keys.length - at);
        System.arraycopy(c.slots, at, slots, at + 1, c.keys.length - at);
        chunks = new Chunks(keys, slots);
        return slots[at];
    }
}
