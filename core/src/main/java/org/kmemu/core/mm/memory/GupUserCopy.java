package org.kmemu.core.mm.memory;

import java.util.concurrent.atomic.LongAdder;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mmu.Cpu;

/**
 * copy_to_user and copy_from_user as the i386 4G/4G split did them (Ingo Molnar's 2003 patch, shipped in
 * Fedora's and Red Hat's 2.6 kernels): with user space not mapped while the kernel runs, each user page is
 * found with {@code get_user_pages(current, current->mm, addr, 1, write, 0, &page, NULL)} under
 * {@code down_read(&mm->mmap_sem)}, mapped with {@code kmap_atomic()}, copied with {@code memcpy}, unmapped,
 * and released with {@code put_page()} (dirtied first when written). Same results as the direct path
 * (the bytes not copied; a hole ends the copy there; copy_from_user zeroes the uncopied tail), different
 * costs: one GUP walk, one kmap_atomic and one TLB flush of the kmap slot per page, which
 * {@link #gupCalls()} and {@link #kmapAtomics()} count.
 *
 * <p>Called through {@link org.kmemu.core.kernel.Uaccess} when the machine's
 * {@code kmemu.uaccess.copy-path} is {@code gup-kmap}; access_ok is the caller's.
 */
public final class GupUserCopy {
    private final Gup gup;
    private final Highmem highmem;
    private final PageApi pages;
    private final int pageShift;
    private final LongAdder gupCalls = new LongAdder();
    private final LongAdder kmapAtomics = new LongAdder();

    /**
     * @param gup       get_user_pages
     * @param highmem   kmap_atomic
     * @param pages     put_page, set_page_dirty
     * @param pageShift PAGE_SHIFT
     */
    public GupUserCopy(Gup gup, Highmem highmem, PageApi pages, int pageShift) {
        this.gup = gup;
        this.highmem = highmem;
        this.pages = pages;
        this.pageShift = pageShift;
    }

    /**
     * Copies between a user range and a kernel buffer page by page.
     *
     * @param cpu     the calling CPU, whose current task's mm the user address is in
     * @param user    the user address
     * @param kernel  the kernel address
     * @param n       bytes
     * @param toUser  true for copy_to_user (the user pages are written), false for copy_from_user
     * @return the bytes not copied
     */
    public long copy(Cpu cpu, long user, long kernel, long n, boolean toUser) {
        if (!(cpu.current().mm() instanceof Mm mm)) {
            return n; // a kernel thread has no user space to copy to
        }
        long pageSize = 1L << pageShift;
        long[] page = new long[1];
        long done = 0;
        while (Long.compareUnsigned(done, n) < 0) {
            long u = user + done;
            int offset = (int) (u & (pageSize - 1));
            int bytes = (int) Math.min(n - done, pageSize - offset);
            mm.mmapLock().readLock();
            int got;
            try {
                got = gup.getUserPages26(cpu, cpu.current(), mm, u, 1, toUser, false, page, null);
            } finally {
                mm.mmapLock().readUnlock();
            }
            gupCalls.increment();
            if (got <= 0) {
                return n - done;
            }
            long kaddr = highmem.kmapAtomic(cpu, page[0]);
            kmapAtomics.increment();
            try {
                if (toUser) {
                    cpu.copy(kaddr + offset, kernel + done, bytes);
                } else {
                    cpu.copy(kernel + done, kaddr + offset, bytes);
                }
            } finally {
                highmem.kunmapAtomic(cpu, kaddr);
            }
            if (toUser) {
                pages.setPageDirty(page[0]);
            }
            pages.putPage(cpu, page[0]);
            done += bytes;
        }
        return 0;
    }

    /** @return get_user_pages calls made by copies (one per user page touched) */
    public long gupCalls() {
        return gupCalls.sum();
    }

    /** @return kmap_atomic mappings made by copies */
    public long kmapAtomics() {
        return kmapAtomics.sum();
    }
}
