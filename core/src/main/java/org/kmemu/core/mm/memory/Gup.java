package org.kmemu.core.mm.memory;

import static org.kmemu.core.mm.memory.FollFlags.FOLL_DUMP;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_FAST_ONLY;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_FORCE;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_GET;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_HONOR_NUMA_FAULT;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_HWPOISON;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_INTERRUPTIBLE;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_LONGTERM;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_NOFAULT;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_NOWAIT;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_PCI_P2PDMA;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_PIN;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_REMOTE;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_TOUCH;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_TRIED;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_UNLOCKABLE;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_WRITE;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_ANON;

import java.util.List;
import org.kmemu.api.Errno;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.KernelBugException;
import org.kmemu.core.kernel.KernelWarning;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * The get_user_pages family (mm/gup.c, 6.x): how kernel code takes references or pins on the pages behind
 * a range of a process's address space, faulting them in as the process would have.
 *
 * <p><b>Shapes.</b> Every entry point the kernel has had that the documents use:
 * <ul>
 *   <li>2.6's {@code get_user_pages(tsk, mm, start, len, write, force, pages, vmas)}, released with
 *       {@code page_cache_release()} ({@link #getUserPages26}, {@link #pageCacheRelease});</li>
 *   <li>4.x–6.4's {@code get_user_pages(start, nr_pages, gup_flags, pages, vmas)} and
 *       {@code get_user_pages_locked(..., &locked)} (up to 6.1), {@code get_user_pages_unlocked};</li>
 *   <li>today's {@code get_user_pages}, {@code get_user_pages_remote}, {@code get_user_pages_fast},
 *       {@code pin_user_pages(_fast, _remote)}, {@code unpin_user_page(s)}, and
 *       {@code unpin_user_pages_dirty_lock}.</li>
 * </ul>
 * Pages are page-frame numbers; a result is the number of pages taken, or a negative errno when none was.
 *
 * <p><b>The loop.</b> {@code __get_user_pages} walks the range page by page: the VMA is looked up and its
 * flags checked ({@code check_vma_flags}: VM_IO/VM_PFNMAP refused, a write needs VM_WRITE or FOLL_FORCE on
 * a COW mapping, ...); {@code follow_page_pte} reads the PTE under the page-table lock and takes the
 * reference or pin; a missing or unsuitable PTE is faulted in ({@code faultin_page} →
 * {@code handle_mm_fault}) and followed again. When the caller let the mmap lock be dropped
 * ({@code locked}), a fault that needs I/O drops it and returns VM_FAULT_RETRY;
 * {@code __get_user_pages_locked} then retakes the lock and retries that one page with FOLL_TRIED, and
 * tells the caller that the lock was dropped by leaving {@code locked[0]} at 0.
 *
 * <p><b>FOLL_FORCE.</b> A forced write to a private read-only mapping faults for write: the fault handler
 * gives the task a private anonymous copy (PG_anon_exclusive) and maps it read-only; the page is followed
 * because {@code can_follow_write_pte} accepts an exclusive anonymous page in such a VMA (since 5.19;
 * before, FOLL_COW did the same job after Dirty COW, CVE-2016-5195). The file's page is never written.
 *
 * <p><b>gup-fast</b> walks the tables without the mmap lock; the kernel's guarantee that the tables stay
 * (interrupts off, so a table free's TLB-flush IPI waits) is kmemu's mm page-table lock.
 *
 * <p>Not modelled: hugetlb and THP (no huge user pages), the gate area (no vsyscall page), signals
 * (fatal_signal_pending is never true), migration of ZONE_MOVABLE pages before a FOLL_LONGTERM pin (no
 * shipped machine has ZONE_MOVABLE; such a page is pinned where it is, and {@link #longtermUnpinnable}
 * counts it), mark_page_accessed (no LRU).
 */
public final class Gup {
    /** include/uapi/asm-generic/errno-base.h: follow_page's "unshare first" answer. */
    static final int EMLINK = 31;
    /** include/uapi/asm-generic/errno.h. */
    static final int EHWPOISON = 133;

    /** follow_page's NULL: no page there (yet); fault it in. */
    private static final long NO_PAGE = Long.MIN_VALUE;
    /** gup_vma_lookup's stack warning is printed at most once an hour (mm/gup.c next_warn). */
    private static final long STACK_WARN_INTERVAL_NANOS = 3600L * 1_000_000_000L;
    /**
     * How often one page may be faulted in and still not be followable before kmemu calls it a bug. The
     * kernel loops (cond_resched) until a fatal signal; a handler that never makes progress would hang the
     * emulator instead.
     */
    private static final int MAX_FAULTS_PER_PAGE = 64;
    /** The gup_flags gup_fast_fallback accepts (mm/gup.c). */
    private static final int FAST_ALLOWED = FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_PIN | FOLL_GET
            | FOLL_FAST_ONLY | FOLL_NOFAULT | FOLL_PCI_P2PDMA | FOLL_HONOR_NUMA_FAULT;

    private final UserPageTables tables;
    private final PageApi pages;
    private final PageFrames frames;
    private final MmFaultHandler faults;
    private final KernelLog log;
    private final long zeroPfn;
    private final long taskSize;
    private final int pageShift;
    private volatile long nextStackWarn;
    private final java.util.concurrent.atomic.LongAdder longtermUnpinnable = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param tables   the user page tables
     * @param pages    the page API (references, pins, dirty, locks)
     * @param frames   struct page (PG_anon_exclusive, the zone)
     * @param faults   handle_mm_fault
     * @param zeroPfn  the shared zero page's frame ({@code my_zero_pfn}), which vm_normal_page does not count
     * @param taskSize TASK_SIZE (gup-fast's TASK_SIZE_MAX bound and access_ok)
     * @param log      the kernel log (WARN_ON_ONCE and the stack warning)
     */
    public Gup(UserPageTables tables, PageApi pages, PageFrames frames, MmFaultHandler faults, long zeroPfn,
            long taskSize, KernelLog log) {
        this.tables = tables;
        this.pages = pages;
        this.frames = frames;
        this.faults = faults;
        this.zeroPfn = zeroPfn;
        this.taskSize = taskSize;
        this.pageShift = tables.pageShift();
        this.log = log;
    }

    // ---------------------------------------------------------------- 2.6

    /**
     * 2.6's {@code get_user_pages(tsk, mm, start, len, write, force, pages, vmas)} (mm/memory.c of 2.6):
     * the caller holds {@code down_read(&mm->mmap_sem)}, which is never dropped; {@code write} faults for
     * write (breaking COW), {@code force} ignores the VMA's permissions as ptrace needs. Each page gets a
     * reference, released with {@link #pageCacheRelease}. Runs today's loop with {@code FOLL_GET | FOLL_TOUCH}
     * (plus FOLL_WRITE, FOLL_FORCE): the same pages and errors, without 2.6's Dirty COW race.
     *
     * @param cpu   the calling CPU
     * @param tsk   the task whose fault counters the faults count against (2.6's tsk->maj_flt/min_flt; kmemu
     *              counts them against the CPU's current task, as 6.x does); may be another task
     * @param mm    its address space
     * @param start first address (rounded down to a page)
     * @param len   number of pages
     * @param write whether the pages will be written
     * @param force whether to override the VMA's permissions
     * @param out   where the pages' frames go, or null to only fault them in
     * @param vmas  where each page's VMA goes, or null
     * @return pages taken (fewer than len when a hole or error stopped the walk: the caller releases them),
     *         or -EFAULT / -ENOMEM when none
     */
    public int getUserPages26(Cpu cpu, Task tsk, Mm mm, long start, int len, boolean write, boolean force, long[] out,
            Vma[] vmas) {
        mm.mmapLock().assertLocked(cpu);
        int flags = FOLL_TOUCH | (out != null ? FOLL_GET : 0) | (write ? FOLL_WRITE : 0) | (force ? FOLL_FORCE : 0);
        if (tsk != null && tsk != cpu.current()) {
            flags |= FOLL_REMOTE;
        }
        int[] locked = {1};
        return (int) getUserPagesLoop(cpu, mm, start & pageMask(), len, flags, out, 0, vmas, locked);
    }

    /**
     * 2.6's {@code page_cache_release()}: {@code put_page()}.
     *
     * @param cpu the calling CPU
     * @param pfn a page {@link #getUserPages26} returned
     */
    public void pageCacheRelease(Cpu cpu, long pfn) {
        pages.putPage(cpu, pfn);
    }

    // ---------------------------------------------------------------- 4.x - 6.x

    /**
     * {@code get_user_pages(start, nr_pages, gup_flags, pages)} on the current task's mm; the caller holds
     * its mmap lock (mmap_assert_locked reports a caller that does not), which is never dropped.
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_WRITE, FOLL_FORCE, ... (not the internal flags, not FOLL_LONGTERM without a pin)
     * @param out      frames out, or null
     * @return pages taken, or a negative errno when none
     */
    public long getUserPages(Cpu cpu, long start, long nrPages, int gupFlags, long[] out) {
        return getUserPages(cpu, start, nrPages, gupFlags, out, null);
    }

    /**
     * 4.x–6.4's {@code get_user_pages(start, nr_pages, gup_flags, pages, vmas)}: as
     * {@link #getUserPages(Cpu, long, long, int, long[])}, also returning each page's VMA.
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_* flags
     * @param out      frames out, or null
     * @param vmas     VMAs out, or null
     * @return pages taken, or a negative errno when none
     */
    public long getUserPages(Cpu cpu, long start, long nrPages, int gupFlags, long[] out, Vma[] vmas) {
        int flags = validGupArgs(cpu, out, null, gupFlags, FOLL_TOUCH);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        int[] locked = {1};
        return getUserPagesLocked0(cpu, currentMm(cpu), start, nrPages, out, vmas, locked, flags);
    }

    /**
     * {@code get_user_pages_locked(start, nr_pages, gup_flags, pages, &locked)} (4.x–6.1): the caller holds
     * the mmap lock ({@code locked[0] == 1}) and lets it be dropped; on return {@code locked[0] == 0} says
     * it was dropped (and not retaken), so the caller must not unlock.
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_* flags
     * @param out      frames out, or null
     * @param locked   in: 1 (the lock is held); out: whether it still is
     * @return pages taken, or a negative errno when none
     */
    public long getUserPagesLocked(Cpu cpu, long start, long nrPages, int gupFlags, long[] out, int[] locked) {
        int flags = validGupArgs(cpu, out, locked, gupFlags, FOLL_TOUCH);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        return getUserPagesLocked0(cpu, currentMm(cpu), start, nrPages, out, null, locked, flags);
    }

    /**
     * {@code get_user_pages_unlocked(start, nr_pages, pages, gup_flags)}: takes and releases the current
     * mm's mmap lock itself, dropping it across I/O.
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param out      frames out, or null
     * @param gupFlags FOLL_* flags
     * @return pages taken, or a negative errno when none
     */
    public long getUserPagesUnlocked(Cpu cpu, long start, long nrPages, long[] out, int gupFlags) {
        int flags = validGupArgs(cpu, out, null, gupFlags, FOLL_TOUCH | FOLL_UNLOCKABLE);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        int[] locked = {0};
        return getUserPagesLocked0(cpu, currentMm(cpu), start, nrPages, out, null, locked, flags);
    }

    /**
     * {@code get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked)}: another task's mm (or
     * the caller's own), FOLL_REMOTE.
     *
     * @param cpu      the calling CPU
     * @param mm       the address space; the caller holds its mmap lock
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_* flags
     * @param out      frames out, or null
     * @param locked   null (the lock stays held), or {1} to let it be dropped (out: whether it still is)
     * @return pages taken, or a negative errno when none
     */
    public long getUserPagesRemote(Cpu cpu, Mm mm, long start, long nrPages, int gupFlags, long[] out, int[] locked) {
        int flags = validGupArgs(cpu, out, locked, gupFlags, FOLL_TOUCH | FOLL_REMOTE);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        return getUserPagesLocked0(cpu, mm, start, nrPages, out, null, locked != null ? locked : new int[] {1}, flags);
    }

    /**
     * {@code pin_user_pages(start, nr_pages, gup_flags, pages)}: FOLL_PIN on the current mm, whose mmap
     * lock the caller holds; release with {@link #unpinUserPage}. FOLL_LONGTERM is allowed here.
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_* flags
     * @param out      frames out
     * @return pages pinned, or a negative errno when none
     */
    public long pinUserPages(Cpu cpu, long start, long nrPages, int gupFlags, long[] out) {
        int flags = validGupArgs(cpu, out, null, gupFlags, FOLL_PIN);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        int[] locked = {1};
        return getUserPagesLocked0(cpu, currentMm(cpu), start, nrPages, out, null, locked, flags);
    }

    /**
     * {@code pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked)}.
     *
     * @param cpu      the calling CPU
     * @param mm       the address space; the caller holds its mmap lock
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_* flags
     * @param out      frames out
     * @param locked   null, or {1} to let the lock be dropped
     * @return pages pinned, or a negative errno when none
     */
    public long pinUserPagesRemote(Cpu cpu, Mm mm, long start, long nrPages, int gupFlags, long[] out, int[] locked) {
        int flags = validGupArgs(cpu, out, locked, gupFlags, FOLL_PIN | FOLL_TOUCH | FOLL_REMOTE);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        return getUserPagesLocked0(cpu, mm, start, nrPages, out, null, locked != null ? locked : new int[] {1}, flags);
    }

    /**
     * {@code get_user_pages_fast(start, nr_pages, gup_flags, pages)}: the current mm, no mmap lock held by
     * the caller; pages whose PTEs already allow the access are taken without the lock, the rest through
     * the slow path (which takes it).
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_WRITE, FOLL_FORCE, FOLL_LONGTERM (with pins), FOLL_NOFAULT
     * @param out      frames out
     * @return pages taken, or a negative errno when none
     */
    public long getUserPagesFast(Cpu cpu, long start, long nrPages, int gupFlags, long[] out) {
        int flags = validGupArgs(cpu, out, null, gupFlags, FOLL_GET);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        return gupFastFallback(cpu, start, nrPages, flags, out);
    }

    /**
     * {@code pin_user_pages_fast(start, nr_pages, gup_flags, pages)}.
     *
     * @param cpu      the calling CPU
     * @param start    first address
     * @param nrPages  pages
     * @param gupFlags FOLL_* flags
     * @param out      frames out
     * @return pages pinned, or a negative errno when none
     */
    public long pinUserPagesFast(Cpu cpu, long start, long nrPages, int gupFlags, long[] out) {
        int flags = validGupArgs(cpu, out, null, gupFlags, FOLL_PIN);
        if (flags < 0) {
            return -Errno.EINVAL;
        }
        return gupFastFallback(cpu, start, nrPages, flags, out);
    }

    /**
     * {@code put_page()} for a page a FOLL_GET call returned.
     *
     * @param cpu the calling CPU
     * @param pfn the page
     */
    public void putPage(Cpu cpu, long pfn) {
        pages.putPage(cpu, pfn);
    }

    /**
     * {@code unpin_user_page()}.
     *
     * @param cpu the calling CPU
     * @param pfn a page a pin_user_pages call returned
     */
    public void unpinUserPage(Cpu cpu, long pfn) {
        pages.unpinUserPage(cpu, pfn);
    }

    /**
     * {@code unpin_user_pages(pages, npages)}.
     *
     * @param cpu    the calling CPU
     * @param pinned pinned pages
     * @param n      how many of them
     */
    public void unpinUserPages(Cpu cpu, long[] pinned, int n) {
        for (int i = 0; i < n; i++) {
            pages.unpinUserPage(cpu, pinned[i]);
        }
    }

    /**
     * {@code unpin_user_pages_dirty_lock(pages, npages, make_dirty)}: after a device (or the kernel) wrote
     * into pinned pages, marks each dirty under its page lock, then unpins it.
     *
     * @param cpu       the calling CPU
     * @param pinned    pinned pages
     * @param n         how many of them
     * @param makeDirty whether the pages were written
     */
    public void unpinUserPagesDirtyLock(Cpu cpu, long[] pinned, int n, boolean makeDirty) {
        for (int i = 0; i < n; i++) {
            long pfn = pinned[i];
            if (makeDirty && (frames.flags(pfn) & PageFlags.PG_DIRTY) == 0) {
                lockPage(pfn);
                try {
                    pages.setPageDirty(pfn);
                } finally {
                    pages.unlockPage(pfn);
                }
            }
            pages.unpinUserPage(cpu, pfn);
        }
    }

    /**
     * @return how many pages a FOLL_LONGTERM pin took in ZONE_MOVABLE, which Linux would have migrated
     *         first (check_and_migrate_movable_pages): 0 on every shipped machine
     */
    public long longtermUnpinnable() {
        return longtermUnpinnable.sum();
    }

    // ---------------------------------------------------------------- argument checks

    /**
     * {@code is_valid_gup_args()}: the WARN_ON_ONCE checks every entry point makes.
     *
     * @return the flags with {@code toSet} (and FOLL_UNLOCKABLE when {@code locked}) added, or -1 after the
     *         warning (the caller returns -EINVAL)
     */
    private int validGupArgs(Cpu cpu, long[] out, int[] locked, int gupFlags, int toSet) {
        if ((gupFlags & FollFlags.CALLER_FORBIDDEN) != 0) {
            return warnInvalid(cpu, "gup_flags & (FOLL_PIN | FOLL_TRIED | FOLL_UNLOCKABLE | FOLL_REMOTE | FOLL_FAST_ONLY)");
        }
        int flags = gupFlags | toSet;
        if (locked != null) {
            if (locked[0] != 1) {
                return warnInvalid(cpu, "*locked != 1");
            }
            flags |= FOLL_UNLOCKABLE;
        }
        if ((flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)) {
            return warnInvalid(cpu, "(gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)");
        }
        if ((flags & FOLL_PIN) == 0 && (flags & FOLL_LONGTERM) != 0) {
            // FOLL_LONGTERM with a plain reference: the page could be written after the file thinks it is
            // clean; only pins are tracked (folio_maybe_dma_pinned).
            return warnInvalid(cpu, "!(gup_flags & FOLL_PIN) && (gup_flags & FOLL_LONGTERM)");
        }
        if ((flags & (FOLL_GET | FOLL_PIN)) != 0 && out == null) {
            return warnInvalid(cpu, "(gup_flags & (FOLL_GET | FOLL_PIN)) && !pages");
        }
        if ((flags & FOLL_LONGTERM) != 0 && (flags & FOLL_PCI_P2PDMA) != 0) {
            return warnInvalid(cpu, "(gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA)");
        }
        return flags;
    }

    private int warnInvalid(Cpu cpu, String condition) {
        KernelWarning.warnOn(log, cpu, "mm/gup.c is_valid_gup_args", "WARN_ON_ONCE(" + condition + ")");
        return -1;
    }

    private static Mm currentMm(Cpu cpu) {
        Task t = cpu.current();
        if (!(t.mm() instanceof Mm mm)) {
            // get_user_pages on current->mm from a kernel thread dereferences NULL in the kernel.
            throw new KernelBugException(List.of(
                    "BUG: kernel NULL pointer dereference, address: 0000000000000000",
                    "get_user_pages: current " + t + " has no mm (a kernel thread; use get_user_pages_remote)"));
        }
        return mm;
    }

    private long pageMask() {
        return -(1L << pageShift);
    }

    // ---------------------------------------------------------------- __get_user_pages_locked

    /**
     * {@code __gup_longterm_locked} → {@code __get_user_pages_locked}: takes the mmap lock when the caller
     * did not ({@code locked[0] == 0}), runs the loop, and when the fault handler dropped the lock
     * (VM_FAULT_RETRY), retakes it and retries the page that fired it with FOLL_TRIED until it is taken.
     */
    private long getUserPagesLocked0(Cpu cpu, Mm mm, long start, long nrPages, long[] out, Vma[] vmas, int[] locked,
            int gupFlags) {
        return getUserPagesLocked0(cpu, mm, start, nrPages, out, 0, vmas, locked, gupFlags);
    }

    private long getUserPagesLocked0(Cpu cpu, Mm mm, long start, long nrPages, long[] out, int outOff, Vma[] vmas,
            int[] locked, int gupFlags) {
        int flags = gupFlags;
        boolean mustUnlock = false;
        if (locked[0] == 0) {
            mm.mmapLock().readLock();
            mustUnlock = true;
            locked[0] = 1;
        } else {
            mm.mmapLock().assertLocked(cpu);
        }
        if ((flags & FOLL_PIN) != 0) {
            mm.setHasPinned();
        }
        if (out != null && (flags & FOLL_PIN) == 0) {
            flags |= FOLL_GET;
        }
        start &= pageMask();
        long pagesDone = 0;
        int off = outOff;
        for (;;) {
            long ret = getUserPagesLoop(cpu, mm, start, nrPages, flags, out, off, vmas, locked);
            if ((flags & FOLL_UNLOCKABLE) == 0) {
                pagesDone = ret;
                break;
            }
            if (locked[0] == 0 && (ret < 0 || ret >= nrPages)) {
                // VM_FAULT_RETRY cannot come with an error or a finished range (mm/gup.c BUG_ON).
                throw new KernelBugException(List.of("kernel BUG at mm/gup.c: __get_user_pages_locked: " + ret
                        + " pages after the lock was dropped, of " + nrPages));
            }
            if (ret > 0) {
                nrPages -= ret;
                pagesDone += ret;
                if (nrPages == 0) {
                    break;
                }
            }
            if (locked[0] == 1) {
                // No VM_FAULT_RETRY (or FOLL_NOWAIT): an error or a hole ended the walk.
                if (pagesDone == 0) {
                    pagesDone = ret;
                }
                break;
            }
            // VM_FAULT_RETRY: the handler released the lock; seek to the page that fired it.
            off += (int) Math.max(ret, 0);
            start += Math.max(ret, 0) << pageShift;
            mustUnlock = true;
            boolean done = false;
            while (!done) {
                mm.mmapLock().readLock();
                locked[0] = 1;
                ret = getUserPagesLoop(cpu, mm, start, 1, flags | FOLL_TRIED, out, off, vmas, locked);
                if (locked[0] == 0) {
                    if (ret != 0) {
                        throw new KernelBugException(List.of("kernel BUG at mm/gup.c: __get_user_pages_locked: retry"
                                + " returned " + ret + " with the lock dropped"));
                    }
                    continue; // dropped again: keep retrying until it succeeds
                }
                done = true;
            }
            if (ret != 1) {
                if (pagesDone == 0) {
                    pagesDone = ret;
                }
                break;
            }
            nrPages--;
            pagesDone++;
            if (nrPages == 0) {
                break;
            }
            off++;
            start += 1L << pageShift;
        }
        if (mustUnlock && locked[0] == 1) {
            mm.mmapLock().readUnlock();
            locked[0] = 0;
        }
        return pagesDone;
    }

    // ---------------------------------------------------------------- __get_user_pages

    /** {@code __get_user_pages}: the page-by-page walk. @return pages taken, or a negative errno when none */
    private long getUserPagesLoop(Cpu cpu, Mm mm, long start, long nrPages, int gupFlags, long[] out, int off,
            Vma[] vmas, int[] locked) {
        if (nrPages == 0) {
            return 0;
        }
        Vma vma = null;
        long i = 0;
        long ret = 0;
        long addr = start;
        // The last-level table of the previous page: consecutive pages share it (512 on x86), so the walk
        // from the root is made once per table. Only tables found are remembered: a fault may add one.
        long[] walkCache = {-1, UserPageTables.NO_PTEP};
        walk:
        do {
            if (vma == null || Long.compareUnsigned(addr, vma.end()) >= 0) {
                vma = gupVmaLookup(cpu, mm, addr);
                if (vma == null) {
                    ret = -Errno.EFAULT;
                    break;
                }
                ret = checkVmaFlags(vma, gupFlags);
                if (ret != 0) {
                    break;
                }
            }
            // The common case first: present pages that need no fault, taken a table's run at a time under
            // one hold of the page-table lock. The first page that needs more leaves it to the path below.
            long run = followRun(mm, vma, addr, nrPages, gupFlags, walkCache, out, off + (int) i, vmas);
            if (run > 0) {
                i += run;
                addr += run << pageShift;
                nrPages -= run;
                continue;
            }
            long page;
            int faults = 0;
            for (;;) {
                page = followPage(mm, vma, addr, gupFlags, walkCache);
                if (page != NO_PAGE && page != -EMLINK) {
                    break;
                }
                if (++faults > MAX_FAULTS_PER_PAGE) {
                    throw new KernelBugException(List.of(String.format(
                            "kmemu: get_user_pages: %#x faulted in %d times and still not followable (flags %#x):"
                                    + " the fault handler makes no progress", addr, MAX_FAULTS_PER_PAGE, gupFlags)));
                }
                ret = faultinPage(cpu, mm, vma, addr, gupFlags, page == -EMLINK, locked);
                if (ret == 0) {
                    continue;
                }
                if (ret == -Errno.EBUSY || ret == -Errno.EAGAIN) {
                    ret = 0; // the lock was dropped: the caller retries from here
                }
                break walk;
            }
            if (page == -Errno.EEXIST) {
                // A PFN mapping without a struct page: fine to fault in, not to take a reference to.
                if (out != null) {
                    ret = -Errno.EEXIST;
                    break;
                }
            } else if (page < 0) {
                ret = page;
                break;
            } else if (out != null) {
                out[off + (int) i] = page;
            }
            if (vmas != null) {
                vmas[off + (int) i] = vma;
            }
            i++;
            addr += 1L << pageShift;
            nrPages--;
        } while (nrPages > 0);
        return i != 0 ? i : ret;
    }

    /**
     * {@code gup_vma_lookup()}: the VMA holding addr. GUP no longer grows a stack (6.5): an address just
     * below a VM_GROWSDOWN VMA (within 64 KiB) gets the kernel's warning, at most once an hour.
     */
    private Vma gupVmaLookup(Cpu cpu, Mm mm, long addr) {
        Vma vma = mm.vmas().findVma(addr);
        if (vma == null || Long.compareUnsigned(addr, vma.start()) >= 0) {
            return vma;
        }
        if ((vma.flags() & VmFlags.VM_GROWSDOWN) == 0 || vma.start() - addr > 65536) {
            return null;
        }
        long now = cpu.clockNanos();
        long next = nextStackWarn;
        if (next != 0 && now < next) {
            return null;
        }
        nextStackWarn = now + STACK_WARN_INTERVAL_NANOS;
        Task t = cpu.current();
        log.printk(cpu.id(), LogLevel.WARNING, String.format("GUP no longer grows the stack in %s (%d): %x-%x (%x)",
                t.comm(), t.pid(), vma.start(), vma.end(), addr));
        return null;
    }

    /** {@code check_vma_flags()}. @return 0 or a negative errno */
    static int checkVmaFlags(Vma vma, int gupFlags) {
        long vmFlags = vma.flags();
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        boolean anon = vma.file() == null; // vma_is_anonymous: no vm_ops
        if ((vmFlags & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0) {
            return -Errno.EFAULT;
        }
        if ((gupFlags & FOLL_ANON) != 0 && !anon) {
            return -Errno.EFAULT;
        }
        if (write) {
            if (!anon && !writableFileMappingAllowed(vma, gupFlags)) {
                return -Errno.EFAULT;
            }
            if ((vmFlags & VmFlags.VM_WRITE) == 0) {
                if ((gupFlags & FOLL_FORCE) == 0) {
                    return -Errno.EFAULT;
                }
                // A forced write to a shared mapping would write the file itself: only COW mappings.
                if (!isCowMapping(vmFlags)) {
                    return -Errno.EFAULT;
                }
            }
        } else if ((vmFlags & VmFlags.VM_READ) == 0) {
            if ((gupFlags & FOLL_FORCE) == 0) {
                return -Errno.EFAULT;
            }
            if ((vmFlags & VmFlags.VM_MAYREAD) == 0) {
                return -Errno.EFAULT;
            }
        }
        return 0;
    }

    /**
     * {@code writable_file_mapping_allowed()} (6.5): a long-term pin for write of a shared file mapping whose
     * file system tracks dirty pages (vma_needs_dirty_tracking: shared, writable, a file that writes back)
     * would let the page be written after writeback cleaned it; refused. kmemu's files all write back.
     */
    private static boolean writableFileMappingAllowed(Vma vma, int gupFlags) {
        if ((gupFlags & (FOLL_PIN | FOLL_LONGTERM)) != (FOLL_PIN | FOLL_LONGTERM)) {
            return true;
        }
        long sharedWritable = VmFlags.VM_SHARED | VmFlags.VM_WRITE;
        return (vma.flags() & sharedWritable) != sharedWritable;
    }

    /** {@code is_cow_mapping()}: private and may become writable. */
    static boolean isCowMapping(long vmFlags) {
        return (vmFlags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) == VmFlags.VM_MAYWRITE;
    }

    // ---------------------------------------------------------------- follow_page_pte

    /**
     * {@code follow_page_mask} → {@code follow_page_pte}: under the page-table lock, the page a present PTE
     * maps, with the reference or pin taken.
     *
     * @return the frame; {@link #NO_PAGE} when it must be faulted in; -EMLINK when it must be unshared
     *         first; -EFAULT, -ENOMEM, -EEXIST
     */
    private long followPage(Mm mm, Vma vma, long addr, int flags, long[] walkCache) {
        long table = pteTableOf(mm, addr, walkCache);
        if (table == UserPageTables.NO_PTEP) {
            return noPageTable(vma, flags);
        }
        long ptep = tables.ptepIn(table, addr);
        synchronized (mm.pageTableLock()) {
            return followPteLocked(vma, ptep, flags);
        }
    }

    /**
     * Follows consecutive pages of one last-level table and one VMA under one hold of the page-table lock
     * (where the kernel takes the PTE lock per page), for as long as each is present and followable.
     *
     * @return the pages taken (stored in out and vmas from {@code at}); 0 when the first needs the slow path
     */
    private long followRun(Mm mm, Vma vma, long addr, long nrPages, int flags, long[] walkCache, long[] out, int at,
            Vma[] vmas) {
        long table = pteTableOf(mm, addr, walkCache);
        if (table == UserPageTables.NO_PTEP) {
            return 0;
        }
        long span = tables.pteTableSpan();
        long tableEnd = (addr & -span) + span;
        long limit = Long.compareUnsigned(tableEnd - 1, vma.end() - 1) < 0 ? tableEnd : vma.end();
        long pageSize = 1L << pageShift;
        long n = 0;
        synchronized (mm.pageTableLock()) {
            for (long a = addr; n < nrPages && a != limit; a += pageSize) {
                long page = followPteLocked(vma, tables.ptepIn(table, a), flags);
                if (page < 0) {
                    break;
                }
                if (out != null) {
                    out[at + (int) n] = page;
                }
                if (vmas != null) {
                    vmas[at + (int) n] = vma;
                }
                n++;
            }
        }
        return n;
    }

    /** follow_page_pte's body; the caller holds the page-table lock. */
    private long followPteLocked(Vma vma, long ptep, int flags) {
        long pte = tables.readPte(ptep);
        if (!tables.present(pte)) {
            return pte == 0 ? noPageTable(vma, flags) : NO_PAGE;
        }
        int pteFlags = tables.flags(pte);
        long pfn = tables.pfn(pte);
        boolean zero = pfn == zeroPfn;
        // vm_normal_page(): the zero page is not a "normal" page.
        long normal = zero ? -1 : pfn;
        if ((flags & FOLL_WRITE) != 0 && !canFollowWritePte(pteFlags, normal, vma, flags)) {
            return NO_PAGE;
        }
        if (zero && (flags & FOLL_DUMP) != 0) {
            return -Errno.EFAULT; // a core dump leaves holes and the zero page out
        }
        if ((pteFlags & PteFlags.WRITE) == 0 && gupMustUnshare(vma, flags, pfn)) {
            return -EMLINK;
        }
        if ((flags & (FOLL_GET | FOLL_PIN)) != 0) {
            if (!pages.tryGrabPage(pfn, (flags & FOLL_PIN) != 0)) {
                return -Errno.ENOMEM;
            }
            if ((flags & (FOLL_PIN | FOLL_LONGTERM)) == (FOLL_PIN | FOLL_LONGTERM)
                    && PageFlags.zone(frames.flags(pfn)) == org.kmemu.api.ZoneType.MOVABLE) {
                longtermUnpinnable.increment(); // several CPUs may pin at once
            }
        }
        if ((flags & FOLL_TOUCH) != 0 && (flags & FOLL_WRITE) != 0 && (pteFlags & PteFlags.DIRTY) == 0 && !zero) {
            pages.setPageDirty(pfn);
        }
        return pfn;
    }

    /**
     * @param walkCache {base, table} of the last table found, updated here
     * @return the last-level table for addr, or NO_PTEP
     */
    private long pteTableOf(Mm mm, long addr, long[] walkCache) {
        long base = addr & -tables.pteTableSpan();
        if (walkCache[0] == base) {
            return walkCache[1];
        }
        long table = tables.pteTable(mm, addr);
        if (table != UserPageTables.NO_PTEP) {
            walkCache[0] = base;
            walkCache[1] = table;
        }
        return table;
    }

    /** {@code no_page_table()}: a hole; a core dump of an anonymous hole is an error, not a fault. */
    private static long noPageTable(Vma vma, int flags) {
        if ((flags & FOLL_DUMP) != 0 && vma.file() == null) {
            return -Errno.EFAULT;
        }
        return NO_PAGE;
    }

    /**
     * {@code can_follow_write_pte()}: a writable PTE, or under FOLL_FORCE in a private VMA that may but does
     * not allow writes, an exclusive anonymous page (the private copy the forced write fault made).
     */
    private boolean canFollowWritePte(int pteFlags, long normalPfn, Vma vma, int flags) {
        if ((pteFlags & PteFlags.WRITE) != 0) {
            return true;
        }
        if ((flags & FOLL_FORCE) == 0) {
            return false;
        }
        long vmFlags = vma.flags();
        if ((vmFlags & (VmFlags.VM_MAYSHARE | VmFlags.VM_SHARED)) != 0 || (vmFlags & VmFlags.VM_MAYWRITE) == 0
                || (vmFlags & VmFlags.VM_WRITE) != 0) {
            return false;
        }
        return normalPfn >= 0 && pages.pageAnon(normalPfn) && anonExclusive(normalPfn);
    }

    /**
     * {@code gup_must_unshare()} (mm/internal.h): a read-only pin of an anonymous page that another mm may
     * still share (not PG_anon_exclusive) must unshare it first, or the pin would see the page the other mm
     * keeps after its next write; a read-only long-term pin of a file page in a COW mapping too.
     */
    private boolean gupMustUnshare(Vma vma, int flags, long pfn) {
        if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN) {
            return false;
        }
        if (!pages.pageAnon(pfn)) {
            if ((flags & FOLL_LONGTERM) == 0) {
                return false;
            }
            return vma == null || isCowMapping(vma.flags());
        }
        return !anonExclusive(pfn);
    }

    private boolean anonExclusive(long pfn) {
        return (frames.flags(pfn) & PageFlags.PG_ANON_EXCLUSIVE) != 0;
    }

    // ---------------------------------------------------------------- faultin_page

    /** {@code faultin_page()}. @return 0 (follow again), -EBUSY/-EAGAIN (lock dropped), or a negative errno */
    private int faultinPage(Cpu cpu, Mm mm, Vma vma, long addr, int flags, boolean unshare, int[] locked) {
        if ((flags & FOLL_NOFAULT) != 0) {
            return -Errno.EFAULT;
        }
        int ff = 0;
        if ((flags & FOLL_WRITE) != 0) {
            ff |= FaultFlags.FAULT_FLAG_WRITE;
        }
        if ((flags & FOLL_REMOTE) != 0) {
            ff |= FaultFlags.FAULT_FLAG_REMOTE;
        }
        if ((flags & FOLL_UNLOCKABLE) != 0) {
            ff |= FaultFlags.FAULT_FLAG_ALLOW_RETRY | FaultFlags.FAULT_FLAG_KILLABLE;
            if ((flags & FOLL_INTERRUPTIBLE) != 0) {
                ff |= FaultFlags.FAULT_FLAG_INTERRUPTIBLE;
            }
        }
        if ((flags & FOLL_NOWAIT) != 0) {
            ff |= FaultFlags.FAULT_FLAG_ALLOW_RETRY | FaultFlags.FAULT_FLAG_RETRY_NOWAIT;
        }
        if ((flags & FOLL_TRIED) != 0) {
            ff |= FaultFlags.FAULT_FLAG_TRIED;
        }
        if (unshare) {
            ff |= FaultFlags.FAULT_FLAG_UNSHARE;
        }
        int ret = faults.handleMmFault(cpu, mm, vma, addr, ff);
        if ((ret & VmFaultCodes.VM_FAULT_COMPLETED) != 0) {
            locked[0] = 0;
            return -Errno.EAGAIN;
        }
        if ((ret & VmFaultCodes.VM_FAULT_ERROR) != 0) {
            return vmFaultToErrno(ret, flags);
        }
        if ((ret & VmFaultCodes.VM_FAULT_RETRY) != 0) {
            if ((ff & FaultFlags.FAULT_FLAG_RETRY_NOWAIT) == 0) {
                locked[0] = 0;
            }
            return -Errno.EBUSY;
        }
        return 0;
    }

    /** {@code vm_fault_to_errno()} (include/linux/mm.h). */
    static int vmFaultToErrno(int ret, int follFlags) {
        if ((ret & VmFaultCodes.VM_FAULT_OOM) != 0) {
            return -Errno.ENOMEM;
        }
        if ((ret & (VmFaultCodes.VM_FAULT_HWPOISON | VmFaultCodes.VM_FAULT_HWPOISON_LARGE)) != 0) {
            return (follFlags & FOLL_HWPOISON) != 0 ? -EHWPOISON : -Errno.EFAULT;
        }
        if ((ret & (VmFaultCodes.VM_FAULT_SIGBUS | VmFaultCodes.VM_FAULT_SIGSEGV)) != 0) {
            return -Errno.EFAULT;
        }
        // VM_FAULT_FALLBACK alone never reaches GUP (huge pages fall back inside the handler).
        throw new KernelBugException(List.of("kernel BUG at mm/gup.c: faultin_page: vm_fault_t " + Integer.toHexString(ret)));
    }

    // ---------------------------------------------------------------- gup-fast

    /** {@code gup_fast_fallback()}. */
    private long gupFastFallback(Cpu cpu, long start, long nrPages, int gupFlags, long[] out) {
        if ((gupFlags & ~FAST_ALLOWED) != 0) {
            warnInvalid(cpu, "gup_flags & ~(FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_PIN | FOLL_GET | ...)");
            return -Errno.EINVAL;
        }
        Mm mm = currentMm(cpu);
        if ((gupFlags & FOLL_PIN) != 0) {
            mm.setHasPinned();
        }
        start &= pageMask();
        if (nrPages < 0 || nrPages > (Long.MAX_VALUE >>> pageShift)) {
            return -Errno.EOVERFLOW;
        }
        long len = nrPages << pageShift;
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) {
            return -Errno.EOVERFLOW;
        }
        if (Long.compareUnsigned(end, taskSize) > 0) {
            return -Errno.EFAULT;
        }
        long pinned = gupFast(cpu, mm, start, end, gupFlags, out);
        if (pinned == nrPages || (gupFlags & FOLL_FAST_ONLY) != 0) {
            return pinned;
        }
        int[] locked = {0};
        long ret = getUserPagesLocked0(cpu, mm, start + (pinned << pageShift), nrPages - pinned, out, (int) pinned, null,
                locked, gupFlags | FOLL_TOUCH | FOLL_UNLOCKABLE);
        if (ret < 0) {
            // The caller must release what gup-fast took, so an errno cannot be returned over it.
            return pinned != 0 ? pinned : ret;
        }
        return ret + pinned;
    }

    /**
     * {@code gup_fast()}: takes pages whose PTEs already allow the access, from the start, without the mmap
     * lock; stops at the first that does not (absent, not user, read-only for a write, the zero page, a page
     * that must be unshared, a file page a long-term write pin may not take, a ZONE_MOVABLE page a long-term
     * pin may not take).
     */
    private long gupFast(Cpu cpu, Mm mm, long start, long end, int flags, long[] out) {
        if (!tables.hasPteSpecial()) {
            return 0; // no pte_special: a raw frame could not be told from a page, so all goes the slow way
        }
        boolean write = (flags & FOLL_WRITE) != 0;
        boolean pin = (flags & FOLL_PIN) != 0;
        long nr = 0;
        long[] walkCache = {-1, UserPageTables.NO_PTEP};
        synchronized (mm.pageTableLock()) {
            for (long addr = start; addr != end; addr += 1L << pageShift) {
                long table = pteTableOf(mm, addr, walkCache);
                if (table == UserPageTables.NO_PTEP) {
                    break;
                }
                long pte = tables.readPte(tables.ptepIn(table, addr));
                int pf = tables.flags(pte);
                // pte_access_permitted(): present and user, and writable for a write.
                if ((pf & (PteFlags.PRESENT | PteFlags.USER)) != (PteFlags.PRESENT | PteFlags.USER)
                        || (write && (pf & PteFlags.WRITE) == 0)) {
                    break;
                }
                long pfn = tables.pfn(pte);
                if (pfn == zeroPfn || (pf & PteFlags.SPECIAL) != 0) {
                    // pte_special() (gup_fast_pte_range, mm/gup.c): the zero page and remap_pfn_range's raw
                    // frames go to the slow path, which refuses VM_IO | VM_PFNMAP (check_vma_flags)
                    break;
                }
                if ((flags & FOLL_LONGTERM) != 0 && PageFlags.zone(frames.flags(pfn)) == org.kmemu.api.ZoneType.MOVABLE) {
                    // try_grab_folio_fast (mm/gup.c): !folio_is_longterm_pinnable, so the slow path (which
                    // migrates it in Linux, counts it in kmemu) takes it
                    break;
                }
                if (!pages.tryGrabPage(pfn, pin)) {
                    break;
                }
                boolean refuse = (pf & PteFlags.WRITE) == 0 && gupMustUnshare(null, flags, pfn)
                        || (flags & (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE)) == (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE)
                                && !pages.pageAnon(pfn); // gup_fast_folio_allowed: no long-term write pins of file pages
                if (refuse) {
                    if (pin) {
                        pages.unpinUserPage(cpu, pfn);
                    } else {
                        pages.putPage(cpu, pfn);
                    }
                    break;
                }
                if (out != null) {
                    out[(int) nr] = pfn;
                }
                nr++;
            }
        }
        return nr;
    }

    /** Takes PG_locked, waiting for its holder ({@code folio_lock}). */
    private void lockPage(long pfn) {
        while (!pages.trylockPage(pfn)) {
            Thread.onSpinWait();
        }
    }
}
