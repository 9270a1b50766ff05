package org.kmemu.core.fs;

import java.util.Arrays;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * Writing dirty page-cache pages back to the disk (mm/page-writeback.c {@code write_cache_pages},
 * {@code folio_clear_dirty_for_io}, {@code folio_start_writeback}, {@code folio_end_writeback};
 * mm/filemap.c {@code filemap_write_and_wait}), in two steps so that meminfo's Writeback line can be seen
 * with I/O in flight:
 * <ol>
 *   <li>{@link #start}: for every dirty page in index order, under its page lock: clear PG_dirty
 *       (NR_FILE_DIRTY - 1), set PG_writeback (NR_WRITEBACK + 1) and submit the write, which copies the
 *       page's bytes up to i_size to the disk. The page stays under writeback, held by a reference.</li>
 *   <li>{@link #end}: the disk completes every submitted write: PG_writeback clears (NR_WRITEBACK - 1)
 *       and the reference goes.</li>
 * </ol>
 * {@link #sync} does both ({@code filemap_write_and_wait}, what fsync does for the data). A start while
 * earlier writes are in flight completes them first (WB_SYNC_ALL waits on PG_writeback), and truncate
 * completes them too, so nothing waits for a completion that no call would deliver.
 *
 * <p>Not modelled: {@code folio_mkclean}, which write-protects the PTEs mapping a page that goes clean
 * (needs the i_mmap reverse map): a page written through an already-writable shared mapping after its
 * writeback is not dirtied again by that write.
 */
public final class Writeback {
    private final Filemap fm;

    Writeback(Filemap fm) {
        this.fm = fm;
    }

    /**
     * {@code filemap_fdatawrite}: starts writeback of every dirty page of the file.
     *
     * @param cpu   the calling CPU
     * @param inode the file
     * @return the pages put under writeback
     */
    public int start(Cpu cpu, Inode inode) {
        end(cpu, inode);
        AddressSpace m = inode.mapping();
        long[] entries;
        synchronized (m) {
            entries = m.entriesFromLocked(0);
            for (int i = 1; i < entries.length; i += 2) {
                fm.pages().getPageUnlessZero(entries[i]);
            }
        }
        long[] order = sortedByIndex(entries);
        int started = 0;
        byte[] buf = new byte[1 << fm.pageShift()];
        for (int k = 0; k < order.length; k += 2) {
            long index = order[k];
            long pfn = order[k + 1];
            fm.pageLock().lock(cpu, pfn);
            if (!fm.stillCached(m, pfn, index) || !fm.frames().clearFlag(pfn, PageFlags.PG_DIRTY)) {
                fm.pageLock().unlock(pfn);
                fm.put(cpu, pfn);
                continue;
            }
            fm.stats().addFileDirty(-1);
            fm.frames().testAndSetFlag(pfn, PageFlags.PG_WRITEBACK);
            fm.stats().addWriteback(1);
            writePage(inode, pfn, index, buf);
            synchronized (m) {
                m.addUnderWritebackLocked(pfn); // our reference now belongs to the in-flight write
            }
            fm.pageLock().unlock(pfn);
            started++;
        }
        return started;
    }

    /** The write request: the page's bytes below i_size go to the disk. */
    private void writePage(Inode inode, long pfn, long index, byte[] buf) {
        int shift = fm.pageShift();
        long pos = index << shift;
        long n = Math.min(Math.max(inode.size() - pos, 0), buf.length);
        if (n > 0) {
            fm.memory().read(pfn << shift, buf, 0, (int) n);
            inode.disk().write(pos, buf, 0, (int) n);
            fm.stats().countPageOut();
        }
    }

    /**
     * The disk completes the file's writes in flight ({@code folio_end_writeback} for each).
     *
     * @param cpu   the calling CPU
     * @param inode the file
     * @return the pages whose writeback ended
     */
    public int end(Cpu cpu, Inode inode) {
        AddressSpace m = inode.mapping();
        long[] done;
        synchronized (m) {
            done = m.takeUnderWritebackLocked();
        }
        for (long pfn : done) {
            fm.frames().clearFlag(pfn, PageFlags.PG_WRITEBACK);
            fm.stats().addWriteback(-1);
            fm.put(cpu, pfn);
        }
        return done.length;
    }

    /**
     * {@code filemap_write_and_wait}: writes every dirty page back and waits for the disk.
     *
     * @param cpu   the calling CPU
     * @param inode the file
     * @return the pages written
     */
    public int sync(Cpu cpu, Inode inode) {
        int n = start(cpu, inode);
        end(cpu, inode);
        return n;
    }

    /** @return the {index, pfn} pairs sorted by index, so the disk sees the file in order */
    private static long[] sortedByIndex(long[] pairs) {
        int n = pairs.length / 2;
        Long[] idx = new Long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = (long) i;
        }
        Arrays.sort(idx, (a, b) -> Long.compare(pairs[(int) (2 * a)], pairs[(int) (2 * b)]));
        long[] out = new long[pairs.length];
        for (int i = 0; i < n; i++) {
            int j = (int) (2 * idx[i]);
            out[2 * i] = pairs[j];
            out[2 * i + 1] = pairs[j + 1];
        }
        return out;
    }
}
