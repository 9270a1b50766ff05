package org.kmemu.core.fs;

import org.kmemu.api.Errno;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * Changing a file's size and dropping page-cache pages (mm/truncate.c): {@code truncate_setsize}
 * (i_size first, then the cache), {@code truncate_inode_pages_range} (every page wholly past the new
 * end leaves the cache, its dirty state cancelled; the page straddling the end has its tail zeroed,
 * {@code truncate_inode_partial_folio}), and {@code invalidate_mapping_pages} for drop_caches (clean,
 * unmapped, unlocked pages nobody else holds).
 *
 * <p>Writes in flight are completed first, as truncate waits for PG_writeback
 * ({@code folio_wait_writeback}; kmemu's disk completes them then, see {@link Writeback}).
 *
 * <p>Not modelled: {@code unmap_mapping_range}, which zaps the PTEs of every VMA mapping the truncated
 * range (needs the i_mmap reverse map). A page still mapped leaves the cache all the same (its mapping
 * word cleared, as the kernel clears folio->mapping); the mapping's own reference keeps it until it is
 * unmapped, and a fault past the new end gets SIGBUS.
 */
public final class Truncate {
    private final Filemap fm;
    private final Writeback writeback;

    Truncate(Filemap fm, Writeback writeback) {
        this.fm = fm;
        this.writeback = writeback;
    }

    /**
     * {@code truncate(2)} on a regular file: {@code do_truncate} → {@code truncate_setsize}. Growing only
     * moves i_size (the new range is a hole that reads as zeros); shrinking drops the cache past the end
     * and frees the disk blocks there.
     *
     * @param cpu     the calling CPU
     * @param inode   the file
     * @param newSize the new size in bytes
     * @return 0, or -EINVAL for a negative size
     */
    public int truncate(Cpu cpu, Inode inode, long newSize) {
        if (newSize < 0) {
            return -Errno.EINVAL;
        }
        fm.mightSleep().mightSleep(cpu, "fs/open.c do_truncate"); // inode_lock
        inode.rwsem().lock();
        inode.invalidateLock().writeLock().lock();
        try {
            long old = inode.size();
            inode.setSizeLocked(newSize);
            if (newSize < old) {
                truncateInodePages(cpu, inode, newSize);
                inode.disk().truncate(newSize);
            }
            return 0;
        } finally {
            inode.invalidateLock().writeLock().unlock();
            inode.rwsem().unlock();
        }
    }

    /**
     * {@code truncate_inode_pages(mapping, lstart)}: removes every page from the first one wholly at or
     * past {@code lstart}, and zeroes the rest of the page {@code lstart} falls in.
     *
     * @param cpu    the calling CPU
     * @param inode  the file
     * @param lstart the offset from which the file's contents go
     * @return the pages removed from the cache
     */
    public int truncateInodePages(Cpu cpu, Inode inode, long lstart) {
        writeback.end(cpu, inode);
        AddressSpace m = inode.mapping();
        int shift = fm.pageShift();
        int pageSize = 1 << shift;
        long start = (lstart + pageSize - 1) >>> shift;
        long[] entries = grab(m, start);
        int removed = 0;
        for (int k = 0; k < entries.length; k += 2) {
            long index = entries[k];
            long pfn = entries[k + 1];
            fm.pageLock().lock(cpu, pfn);
            if (fm.stillCached(m, pfn, index)) {
                fm.deleteFromPageCache(cpu, m, pfn, index);
                removed++;
            }
            fm.pageLock().unlock(pfn);
            fm.put(cpu, pfn); // the last reference unless someone maps or holds it: back to the buddy allocator
        }
        int partial = (int) (lstart & (pageSize - 1));
        if (partial != 0) {
            long index = lstart >>> shift;
            long pfn = fm.findGetPage(m, index);
            if (pfn != Filemap.NO_PFN) {
                fm.pageLock().lock(cpu, pfn);
                if (fm.stillCached(m, pfn, index) && fm.uptodate(pfn)) {
                    fm.memory().fill((pfn << shift) + partial, (byte) 0, pageSize - partial); // folio_zero_range
                }
                fm.pageLock().unlock(pfn);
                fm.put(cpu, pfn);
            }
        }
        return removed;
    }

    /**
     * {@code invalidate_mapping_pages(mapping, 0, -1)}, what {@code echo 1 > /proc/sys/vm/drop_caches}
     * does per inode: drops every page that is clean, not under writeback, not mapped, not locked and
     * held by nobody but the cache.
     *
     * @param cpu   the calling CPU
     * @param inode the file
     * @return the pages dropped
     */
    public int invalidateMappingPages(Cpu cpu, Inode inode) {
        AddressSpace m = inode.mapping();
        long[] entries = grab(m, 0);
        int dropped = 0;
        for (int k = 0; k < entries.length; k += 2) {
            long index = entries[k];
            long pfn = entries[k + 1];
            if (fm.pageLock().trylock(pfn)) {
                int flags = fm.frames().flags(pfn);
                boolean busy = (flags & (PageFlags.PG_DIRTY | PageFlags.PG_WRITEBACK)) != 0
                        || fm.frames().mapcount(pfn) > 0
                        || fm.frames().refcount(pfn) != 2; // the cache's and ours (mapping_evict_folio)
                if (!busy && fm.stillCached(m, pfn, index)) {
                    fm.deleteFromPageCache(cpu, m, pfn, index);
                    dropped++;
                }
                fm.pageLock().unlock(pfn);
            }
            fm.put(cpu, pfn);
        }
        return dropped;
    }

    /** @return the {index, pfn} pairs from {@code start} on, each page with a reference taken */
    private long[] grab(AddressSpace m, long start) {
        synchronized (m) {
            long[] entries = m.entriesFromLocked(start);
            for (int i = 1; i < entries.length; i += 2) {
                fm.pages().getPageUnlessZero(entries[i]);
            }
            return entries;
        }
    }
}
