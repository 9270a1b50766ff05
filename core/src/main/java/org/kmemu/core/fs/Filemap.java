package org.kmemu.core.fs;

import org.kmemu.api.Errno;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.kernel.MightSleep;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;

/**
 * The page cache's operations (mm/filemap.c): lookup ({@code filemap_get_folio}), insertion
 * ({@code filemap_add_folio}, the old {@code add_to_page_cache_lru}), removal
 * ({@code filemap_remove_folio}, the old {@code delete_from_page_cache}), reading a page from the disk
 * ({@code filemap_read_folio}), reads and writes through the cache ({@code filemap_read},
 * {@code generic_perform_write}) and dirtying ({@code filemap_dirty_folio}).
 *
 * <h2>Page life in the cache</h2>
 * A missing page is allocated with the mapping's gfp (GFP_HIGHUSER_MOVABLE, so on i386 it may be
 * highmem: its bytes are reached through physical memory, never a kernel address), locked
 * (PG_locked), given its mapping word and inserted (the cache takes a reference: the page then has
 * two, the cache's and the caller's), then read: the disk's bytes up to i_size are copied in, the rest
 * of the page is zeroed, PG_uptodate is set and the page unlocked, waking anyone who found it locked.
 *
 * <h2>I/O model</h2>
 * The disk answers at once: a read started by this CPU is complete when the call that started it
 * returns, and is done with the mmap lock already dropped when {@code filemap_fault} asks for a retry.
 * A concurrent finder still sees the page locked and not uptodate while the reader fills it, and sleeps
 * on PG_locked ({@link PageLock}) until it is done. Deterministic: no I/O completes at a time that
 * depends on anything but the calls made. Reads never fail (no -EIO).
 *
 * <h2>Locks</h2>
 * i_rwsem (writes, truncate) → PG_locked → the mapping's xa_lock ({@link AddressSpace}'s monitor).
 * Lookups take the page's reference under the xa_lock, so a found page is never freed under the finder;
 * a finder that then locks the page re-checks its mapping word, since truncate may have removed it in
 * between ({@code folio->mapping != mapping}).
 *
 * <p>No LRU lists: cached pages are not on the file LRU (PG_lru stays clear), so meminfo's
 * Active(file)/Inactive(file) stay 0 and nothing reclaims the cache except truncate and
 * {@link RamFs#dropCaches}.
 */
public final class Filemap {
    /** No page. */
    public static final long NO_PFN = PageAllocator.NO_PFN;
    /** File exists (include/uapi/asm-generic/errno-base.h): the index already has a page. */
    public static final int EEXIST = 17;
    /** {@link #createAndRead}'s answer when another CPU inserted the page first: look it up again. */
    static final long RACED = -2;
    /** {@link #createAndRead}'s answer for an index at or past i_size. */
    static final long BEYOND_EOF = -3;

    private final PageApi pages;
    private final PageFrames frames;
    private final PhysicalMemory memory;
    private final PageLock lock;
    private final PageCacheStats stats;
    private final MightSleep mightSleep;
    private final int shift;
    private final int pageSize;

    /**
     * @param pages     get/put page, allocation, the mapping word
     * @param frames    the page flags (PG_uptodate, PG_dirty, PG_writeback, PG_locked)
     * @param memory    RAM, where the pages' bytes are
     * @param pageShift PAGE_SHIFT
     * @param stats     the counters to keep
     * @param mightSleep the machine's might_sleep check (reads and writes may sleep)
     */
    Filemap(PageApi pages, PageFrames frames, PhysicalMemory memory, int pageShift, PageCacheStats stats,
            MightSleep mightSleep) {
        this.pages = pages;
        this.frames = frames;
        this.memory = memory;
        this.mightSleep = mightSleep;
        this.lock = new PageLock(frames, mightSleep, pages);
        this.stats = stats;
        this.shift = pageShift;
        this.pageSize = 1 << pageShift;
    }

    PageLock pageLock() {
        return lock;
    }

    PageApi pages() {
        return pages;
    }

    PageFrames frames() {
        return frames;
    }

    PhysicalMemory memory() {
        return memory;
    }

    PageCacheStats stats() {
        return stats;
    }

    MightSleep mightSleep() {
        return mightSleep;
    }

    int pageShift() {
        return shift;
    }

    // ---- lookup, insertion, removal ----

    /**
     * {@code filemap_get_folio(mapping, index)} / {@code find_get_page}: the cached page with a reference
     * for the caller, locked or not, uptodate or not.
     *
     * @param m     the mapping
     * @param index the page index
     * @return the pfn, or {@link #NO_PFN} if the page is not cached
     */
    public long findGetPage(AddressSpace m, long index) {
        synchronized (m) {
            long pfn = m.lookupLocked(index);
            if (pfn != NO_PFN && !pages.getPageUnlessZero(pfn)) {
                throw new IllegalStateException(String.format("pfn: %#x in %s has no reference (expected: the cache's)", pfn, m));
            }
            return pfn;
        }
    }

    /**
     * {@code add_to_page_cache_lru} / {@code filemap_add_folio}: inserts a locked page the caller holds
     * at {@code index}; the cache takes its own reference and the page's mapping word becomes
     * (mapping, index). NR_FILE_PAGES counts it.
     *
     * @param m     the mapping
     * @param pfn   a locked page with the caller's reference, in no mapping
     * @param index the page index
     * @return 0, or -{@link #EEXIST} if the index has a page already (the page is left as it was)
     */
    public int addToPageCacheLru(AddressSpace m, long pfn, long index) {
        if (!lock.isLocked(pfn)) {
            throw pages.vmBugOnFolio(pfn, "mm/filemap.c", "__filemap_add_folio", "VM_BUG_ON_FOLIO(!folio_test_locked(folio))");
        }
        synchronized (m) {
            if (m.lookupLocked(index) != NO_PFN) {
                return -EEXIST;
            }
            pages.setPageMapping(pfn, m.word(index));
            frames.refAdd(pfn, 1); // folio_ref_add(folio, nr): the cache's reference
            m.insertLocked(index, pfn);
        }
        stats.addFilePages(1);
        return 0;
    }

    /**
     * {@code delete_from_page_cache} / {@code filemap_remove_folio}: takes a locked cached page out of its
     * mapping, cancels its dirty state ({@code folio_account_cleaned}), clears its mapping word and drops
     * the cache's reference. The caller keeps its own reference (and frees the page with it).
     *
     * @param cpu   the calling CPU
     * @param m     the mapping
     * @param pfn   the page, locked, with the caller's reference
     * @param index its index
     */
    public void deleteFromPageCache(Cpu cpu, AddressSpace m, long pfn, long index) {
        if (!lock.isLocked(pfn)) {
            // page_cache_delete(), under filemap_remove_folio (mm/filemap.c)
            throw pages.vmBugOnFolio(pfn, "mm/filemap.c", "page_cache_delete", "VM_BUG_ON_FOLIO(!folio_test_locked(folio))");
        }
        synchronized (m) {
            long was = m.removeLocked(index);
            if (was != pfn) {
                throw new IllegalArgumentException(String.format("pfn: %#x (expected: %s's page %#x at index %d)", pfn, m, was, index));
            }
            pages.setPageMapping(pfn, 0);
        }
        stats.addFilePages(-1);
        if (frames.clearFlag(pfn, PageFlags.PG_DIRTY)) {
            stats.addFileDirty(-1);
        }
        pages.putPage(cpu, pfn);
    }

    /**
     * @param m     a mapping
     * @param pfn   a page the caller holds
     * @param index the index it was found at
     * @return whether it is still that mapping's page at that index (truncate did not take it)
     */
    boolean stillCached(AddressSpace m, long pfn, long index) {
        return pages.pageMappingWord(pfn) == m.word(index);
    }

    /** @param pfn a page the caller holds @return PG_uptodate */
    boolean uptodate(long pfn) {
        return (frames.flags(pfn) & PageFlags.PG_UPTODATE) != 0;
    }

    // ---- reading from the disk ----

    /**
     * {@code filemap_read_folio}: fills a locked page from the disk (bytes up to i_size, zeros after)
     * and marks it uptodate. The page stays locked.
     */
    void readFolio(AddressSpace m, long pfn, long index) {
        assert lock.isLocked(pfn);
        byte[] buf = new byte[pageSize];
        long pos = index << shift;
        long n = Math.min(Math.max(m.host().size() - pos, 0), pageSize);
        if (n > 0) {
            m.host().disk().read(pos, buf, 0, (int) n);
        }
        memory.write(pfn << shift, buf, 0, pageSize);
        frames.testAndSetFlag(pfn, PageFlags.PG_UPTODATE);
        stats.countPageIn();
    }

    /**
     * {@code filemap_create_folio}: allocates a page, inserts it locked, reads it and unlocks it.
     *
     * @return the page with the caller's reference; {@link #NO_PFN} when no page could be allocated;
     *         {@link #RACED} when another CPU inserted one first; {@link #BEYOND_EOF} when the index is
     *         past the end of the file (a truncate got there first)
     */
    long createAndRead(Cpu cpu, AddressSpace m, long index) {
        m.host().invalidateLock().readLock().lock();
        try {
            if (index >= m.host().pagesCovered(shift)) {
                return BEYOND_EOF; // page_cache_ra_unbounded reads nothing past i_size
            }
            long pfn = pages.allocPages(cpu, m.gfp(), 0);
            if (pfn == NO_PFN) {
                return NO_PFN;
            }
            lock.trylock(pfn); // __folio_set_locked: nobody else can see the page yet
            if (addToPageCacheLru(m, pfn, index) != 0) {
                lock.unlock(pfn);
                pages.putPage(cpu, pfn);
                return RACED;
            }
            readFolio(m, pfn, index);
            lock.unlock(pfn);
            return pfn;
        } finally {
            m.host().invalidateLock().readLock().unlock();
        }
    }

    /**
     * The read side's page: a cached uptodate page, reading it when it is missing ({@code filemap_get_pages}
     * with {@code page_cache_sync_readahead} of one page) or waiting for whoever is reading it.
     *
     * @return the page with a reference, {@link #NO_PFN} when none could be allocated, or
     *         {@link #BEYOND_EOF}
     */
    long getUptodatePage(Cpu cpu, AddressSpace m, long index) {
        for (;;) {
            long pfn = findGetPage(m, index);
            if (pfn == NO_PFN) {
                pfn = createAndRead(cpu, m, index);
                if (pfn == RACED) {
                    continue;
                }
                return pfn;
            }
            if (uptodate(pfn)) {
                return pfn;
            }
            lock.lock(cpu, pfn); // someone is reading it: wait for the read (folio_put_wait_locked)
            if (!stillCached(m, pfn, index)) {
                lock.unlock(pfn);
                pages.putPage(cpu, pfn);
                continue;
            }
            if (!uptodate(pfn)) {
                readFolio(m, pfn, index);
            }
            lock.unlock(pfn);
            return pfn;
        }
    }

    // ---- reads and writes through the cache ----

    /**
     * {@code kernel_read} → {@code filemap_read}: copies file bytes from the page cache, reading missing
     * pages from the disk. Stops at i_size.
     *
     * @param cpu    the calling CPU
     * @param inode  the file
     * @param pos    the file offset
     * @param dst    where the bytes go
     * @param dstOff the first byte of dst
     * @param len    how many bytes are wanted
     * @return the bytes read (0 at or past EOF), or -ENOMEM if not even the first page could be allocated,
     *         -EINVAL for a negative offset
     */
    public long read(Cpu cpu, Inode inode, long pos, byte[] dst, int dstOff, int len) {
        if (pos < 0 || len < 0) {
            return -Errno.EINVAL;
        }
        mightSleep.mightSleep(cpu, "mm/filemap.c filemap_read"); // its cond_resched()
        long size = inode.size();
        if (pos >= size) {
            return 0;
        }
        int want = (int) Math.min(len, size - pos);
        AddressSpace m = inode.mapping();
        int done = 0;
        while (done < want) {
            long at = pos + done;
            long index = at >>> shift;
            int in = (int) (at & (pageSize - 1));
            int n = Math.min(pageSize - in, want - done);
            long pfn = getUptodatePage(cpu, m, index);
            if (pfn == BEYOND_EOF) {
                return done; // truncated while we read
            }
            if (pfn == NO_PFN) {
                return done > 0 ? done : -Errno.ENOMEM;
            }
            memory.read((pfn << shift) + in, dst, dstOff + done, n);
            frames.testAndSetFlag(pfn, PageFlags.PG_REFERENCED); // mark_page_accessed
            pages.putPage(cpu, pfn);
            done += n;
        }
        return done;
    }

    /**
     * {@code generic_perform_write} under i_rwsem: copies bytes into the page cache page by page
     * ({@code write_begin}: find or create the page locked, reading it first when the write covers only
     * part of a page that is not uptodate; copy; {@code write_end}: mark it dirty, grow i_size). The
     * disk is not touched: {@link Writeback} writes the dirty pages back.
     *
     * @param cpu    the calling CPU
     * @param inode  the file
     * @param pos    the file offset
     * @param src    the bytes
     * @param srcOff the first byte of src
     * @param len    how many
     * @return the bytes written, or -ENOMEM if no page could be had for the first one, -EINVAL for a
     *         negative offset
     */
    public long write(Cpu cpu, Inode inode, long pos, byte[] src, int srcOff, int len) {
        if (pos < 0 || len < 0) {
            return -Errno.EINVAL;
        }
        AddressSpace m = inode.mapping();
        mightSleep.mightSleep(cpu, "mm/filemap.c generic_perform_write"); // inode_lock, cond_resched()
        inode.rwsem().lock();
        try {
            int done = 0;
            while (done < len) {
                long at = pos + done;
                long index = at >>> shift;
                int in = (int) (at & (pageSize - 1));
                int n = Math.min(pageSize - in, len - done);
                long pfn = grabPageWriteBegin(cpu, m, index);
                if (pfn == NO_PFN) {
                    return done > 0 ? done : -Errno.ENOMEM;
                }
                if (!uptodate(pfn) && n < pageSize) {
                    readFolio(m, pfn, index);
                }
                memory.write((pfn << shift) + in, src, srcOff + done, n);
                frames.testAndSetFlag(pfn, PageFlags.PG_UPTODATE);
                markDirty(pfn);
                done += n;
                if (pos + done > inode.size()) {
                    inode.setSizeLocked(pos + done); // generic_write_end → i_size_write
                }
                lock.unlock(pfn);
                pages.putPage(cpu, pfn);
            }
            return done;
        } finally {
            inode.rwsem().unlock();
        }
    }

    /**
     * {@code __filemap_get_folio(FGP_WRITEBEGIN)}: the page at {@code index}, locked, with a reference;
     * created (not read) if missing.
     */
    private long grabPageWriteBegin(Cpu cpu, AddressSpace m, long index) {
        for (;;) {
            long pfn = findGetPage(m, index);
            if (pfn != NO_PFN) {
                lock.lock(cpu, pfn);
                if (stillCached(m, pfn, index)) {
                    return pfn;
                }
                lock.unlock(pfn);
                pages.putPage(cpu, pfn);
                continue;
            }
            pfn = pages.allocPages(cpu, m.gfp(), 0);
            if (pfn == NO_PFN) {
                return NO_PFN;
            }
            lock.trylock(pfn);
            if (addToPageCacheLru(m, pfn, index) == 0) {
                return pfn;
            }
            lock.unlock(pfn);
            pages.putPage(cpu, pfn);
        }
    }

    /**
     * {@code folio_mark_dirty} → {@code filemap_dirty_folio}: sets PG_dirty; a page going from clean to
     * dirty counts in NR_FILE_DIRTY ({@code folio_account_dirtied}). A page in no mapping any more
     * (truncated) only gets the flag, as {@code folio_mark_dirty} without a mapping does. The caller holds
     * the page lock, so truncate cannot take the page between the check and the count.
     *
     * @param pfn a page the caller holds and has locked
     * @return true if this call dirtied it
     */
    public boolean markDirty(long pfn) {
        long word = pages.pageMappingWord(pfn);
        if (frames.testAndSetFlag(pfn, PageFlags.PG_DIRTY)) {
            return false;
        }
        if (word != 0 && !org.kmemu.core.mm.MappingWord.isAnon(word)) {
            stats.addFileDirty(1);
        }
        return true;
    }

    /**
     * @param cpu a CPU
     * @param pfn a page the caller holds a reference to
     */
    void put(Cpu cpu, long pfn) {
        pages.putPage(cpu, pfn);
    }
}
