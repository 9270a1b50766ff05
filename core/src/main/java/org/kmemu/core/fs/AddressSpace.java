package org.kmemu.core.fs;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.core.mm.MappingWord;

/**
 * {@code struct address_space}: one inode's page cache. Its pages are named by index (the file offset
 * in pages) in a {@link PageIndexMap}; each cached page's {@code page->mapping|index} word is
 * {@link #word(long) this mapping's handle and the index} ({@link MappingWord}'s file form, no
 * PAGE_MAPPING_FLAGS bits), and the cache holds one reference to it ({@code folio_add_to_page_cache}).
 *
 * <p>Lock: this object's monitor is {@code mapping->i_pages}' xa_lock. It guards the index table and the
 * list of pages under writeback; {@link Filemap} takes a page's reference while holding it, so a page
 * found in the table is never freed under the finder (removal happens under the same lock, before the
 * cache's reference is dropped). Lock order: PG_locked (a page lock) before the xa_lock, never the
 * reverse.
 */
public final class AddressSpace {
    private final Inode host;
    private int handle;
    private final int gfp;
    private final PageIndexMap pages = new PageIndexMap();
    /** Pages between folio_start_writeback and folio_end_writeback (the disk's in-flight requests). */
    private final List<Long> underWriteback = new ArrayList<>();

    AddressSpace(Inode host, int gfp) {
        this.host = host;
        this.gfp = gfp;
    }

    /** Set once, before the inode is published. */
    void setHandle(int handle) {
        assert this.handle == 0;
        this.handle = handle;
    }

    /** @return {@code mapping->host}: the inode whose pages these are */
    public Inode host() {
        return host;
    }

    /** @return the handle that stands for this mapping in a page's mapping word */
    public int handle() {
        return handle;
    }

    /** @return {@code mapping_gfp_mask()}: the flags its pages are allocated with (GFP_HIGHUSER_MOVABLE) */
    public int gfp() {
        return gfp;
    }

    /** @return {@code mapping->nrpages}: pages in the cache */
    public synchronized long nrPages() {
        return pages.size();
    }

    /**
     * @param index a page index
     * @return the mapping word a page of this mapping at {@code index} carries
     */
    public long word(long index) {
        return MappingWord.of(handle, 0, index);
    }

    /** @return the page at {@code index} or {@link PageIndexMap#NO_PFN}; caller holds the monitor */
    long lookupLocked(long index) {
        assert Thread.holdsLock(this);
        return pages.get(index);
    }

    /** Adds a page at an empty index; caller holds the monitor. */
    void insertLocked(long index, long pfn) {
        assert Thread.holdsLock(this);
        pages.putNew(index, pfn);
    }

    /** @return the page that was at {@code index}, or NO_PFN; caller holds the monitor */
    long removeLocked(long index) {
        assert Thread.holdsLock(this);
        return pages.remove(index);
    }

    /** @return {index, pfn} pairs from {@code fromIndex} on; caller holds the monitor */
    long[] entriesFromLocked(long fromIndex) {
        assert Thread.holdsLock(this);
        return pages.entriesFrom(fromIndex);
    }

    /** Records a page whose writeback started; caller holds the monitor. */
    void addUnderWritebackLocked(long pfn) {
        assert Thread.holdsLock(this);
        underWriteback.add(pfn);
    }

    /** @return and forgets the pages under writeback; caller holds the monitor */
    long[] takeUnderWritebackLocked() {
        assert Thread.holdsLock(this);
        long[] out = new long[underWriteback.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = underWriteback.get(i);
        }
        underWriteback.clear();
        return out;
    }

    @Override
    public String toString() {
        return "address_space#" + handle + " of " + host;
    }
}
