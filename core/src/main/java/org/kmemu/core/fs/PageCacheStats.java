package org.kmemu.core.fs;

import java.util.concurrent.atomic.LongAdder;

/**
 * The machine-wide page-cache counters /proc/meminfo and /proc/vmstat read: the node counters
 * {@code NR_FILE_PAGES} (Cached), {@code NR_FILE_DIRTY} (Dirty), {@code NR_WRITEBACK} (Writeback) of
 * include/linux/mmzone.h, and the vm event {@code PGMAJFAULT} (include/linux/vm_event_item.h), with the pages the backing disk
 * read and wrote (the kernel's pgpgin/pgpgout count the same I/O in kB). The kernel keeps them per CPU and folds them on read; a
 * {@link LongAdder} does the same (cells per contending thread, summed by {@link #nrFilePages()} etc.), so
 * updating one costs no shared cache line on the page-cache paths.
 *
 * <p>Who updates what, as in mm/filemap.c and mm/page-writeback.c: a page entering a mapping's cache
 * counts in NR_FILE_PAGES and leaves it on removal ({@code __filemap_add_folio},
 * {@code filemap_unaccount_folio}); a clean cached page going dirty counts in NR_FILE_DIRTY
 * ({@code folio_account_dirtied}) until writeback starts or truncate cancels it
 * ({@code folio_clear_dirty_for_io}, {@code folio_account_cleaned}); PG_writeback pages count in
 * NR_WRITEBACK ({@code folio_start_writeback} / {@code folio_end_writeback}). Mapped (NR_FILE_MAPPED) is
 * not kept here: see {@link RamFs#nrFileMapped()}.
 */
public final class PageCacheStats {
    private final LongAdder filePages = new LongAdder();
    private final LongAdder fileDirty = new LongAdder();
    private final LongAdder writeback = new LongAdder();
    private final LongAdder pgmajfault = new LongAdder();
    private final LongAdder pgpgin = new LongAdder();
    private final LongAdder pgpgout = new LongAdder();

    /** @return NR_FILE_PAGES: pages in some mapping's page cache (meminfo Cached) */
    public long nrFilePages() {
        return filePages.sum();
    }

    /** @return NR_FILE_DIRTY: cached pages with PG_dirty (meminfo Dirty) */
    public long nrFileDirty() {
        return fileDirty.sum();
    }

    /** @return NR_WRITEBACK: pages with PG_writeback (meminfo Writeback) */
    public long nrWriteback() {
        return writeback.sum();
    }

    /** @return PGMAJFAULT: faults filemap_fault answered with I/O (count_vm_event in mm/filemap.c) */
    public long pgmajfault() {
        return pgmajfault.sum();
    }

    /** @return pages read from the backing disk into the page cache */
    public long pagesRead() {
        return pgpgin.sum();
    }

    /** @return pages written from the page cache to the backing disk */
    public long pagesWritten() {
        return pgpgout.sum();
    }

    void addFilePages(int delta) {
        filePages.add(delta);
    }

    void addFileDirty(int delta) {
        fileDirty.add(delta);
    }

    void addWriteback(int delta) {
        writeback.add(delta);
    }

    void countMajorFault() {
        pgmajfault.increment();
    }

    void countPageIn() {
        pgpgin.increment();
    }

    void countPageOut() {
        pgpgout.increment();
    }
}
