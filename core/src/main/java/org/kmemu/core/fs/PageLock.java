package org.kmemu.core.fs;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.kmemu.core.kernel.MightSleep;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mmu.Cpu;

/**
 * Sleeping on PG_locked: {@code folio_lock} / {@code folio_unlock} with the kernel's hashed wait queues
 * (mm/filemap.c {@code folio_waitqueue}: {@code PAGE_WAIT_TABLE_BITS} = 8, 256 queues shared by all
 * pages). The lock itself is the PG_locked bit in {@link PageFrames}, set with an atomic test-and-set,
 * so {@code trylock_page} elsewhere sees the same lock; a thread that cannot take it waits on its
 * queue's monitor and is woken by {@link #unlock}.
 *
 * <p>An unlock with nobody waiting takes no monitor: each queue counts its sleepers, the role of the
 * kernel's PG_waiters bit ({@code folio_unlock} wakes only when PG_waiters is set). No lost wake-up: a
 * waiter counts itself (a volatile increment) before it re-tries the bit, and the unlocker clears the bit
 * (an atomic read-modify-write) before it reads the count; both are sequentially consistent, so either
 * the unlocker sees the waiter and notifies under the queue's monitor, which the waiter holds from its
 * last try until it is in {@code wait()}, or the waiter's try sees the bit clear.
 */
final class PageLock {
    /** PAGE_WAIT_TABLE_BITS (mm/filemap.c). */
    static final int PAGE_WAIT_TABLE_BITS = 8;

    private final PageFrames frames;
    private final MightSleep mightSleep;
    private final PageApi pages;
    private final Object[] queues = new Object[1 << PAGE_WAIT_TABLE_BITS];
    private final AtomicIntegerArray waiters = new AtomicIntegerArray(1 << PAGE_WAIT_TABLE_BITS);

    /**
     * @param frames     the page frames whose PG_locked bits this lock uses
     * @param mightSleep the machine's might_sleep check
     * @param pages      the page API, whose VM_BUG_ON_FOLIO report an unlock of an unlocked page gives
     */
    PageLock(PageFrames frames, MightSleep mightSleep, PageApi pages) {
        this.frames = frames;
        this.mightSleep = mightSleep;
        this.pages = pages;
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new Object();
        }
    }

    /** @param pfn a page the caller holds @return {@code folio_trylock}: whether the caller now holds it */
    boolean trylock(long pfn) {
        return !frames.testAndSetFlag(pfn, PageFlags.PG_LOCKED);
    }

    /** @param pfn a page the caller holds @return whether someone holds its lock ({@code folio_test_locked}) */
    boolean isLocked(long pfn) {
        return (frames.flags(pfn) & PageFlags.PG_LOCKED) != 0;
    }

    /**
     * {@code folio_lock}: takes PG_locked, sleeping (uninterruptibly) until its holder unlocks. It may
     * sleep, so in atomic context it is might_sleep's report (include/linux/pagemap.h folio_lock), whether
     * or not it has to wait.
     *
     * @param cpu the calling CPU
     * @param pfn a page the caller holds a reference to
     */
    void lock(Cpu cpu, long pfn) {
        mightSleep.mightSleep(cpu, "include/linux/pagemap.h folio_lock");
        if (trylock(pfn)) {
            return;
        }
        int qi = queueIndex(pfn);
        Object q = queues[qi];
        synchronized (q) {
            waiters.incrementAndGet(qi);
            boolean interrupted = false;
            try {
                while (!trylock(pfn)) {
                    try {
                        q.wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // TASK_UNINTERRUPTIBLE: keep waiting, restore the status after
                    }
                }
            } finally {
                waiters.decrementAndGet(qi);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code folio_unlock}: clears PG_locked and wakes its waiters.
     *
     * @param pfn a page the caller locked
     * @throws org.kmemu.core.kernel.KernelBugException if it was not locked: folio_unlock's
     *         {@code VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio)} (mm/filemap.c), with the page dump
     */
    void unlock(long pfn) {
        if (!frames.clearFlag(pfn, PageFlags.PG_LOCKED)) {
            throw pages.vmBugOnFolio(pfn, "mm/filemap.c", "folio_unlock", "VM_BUG_ON_FOLIO(!folio_test_locked(folio))");
        }
        int qi = queueIndex(pfn);
        if (waiters.get(qi) > 0) {
            Object q = queues[qi];
            synchronized (q) {
                q.notifyAll();
            }
        }
    }

    /** {@code folio_waitqueue}: hash_ptr(folio, PAGE_WAIT_TABLE_BITS). */
    private static int queueIndex(long pfn) {
        long h = pfn * 0x9E3779B97F4A7C15L;
        return (int) (h >>> (64 - PAGE_WAIT_TABLE_BITS));
    }
}
