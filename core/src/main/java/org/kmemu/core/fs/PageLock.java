package org.kmemu.core.fs;

import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;

/**
 * Sleeping on PG_locked: {@code folio_lock} / {@code folio_unlock} with the kernel's hashed wait queues
 * (mm/filemap.c {@code folio_waitqueue}: {@code PAGE_WAIT_TABLE_BITS} = 8, 256 queues shared by all
 * pages). The lock itself is the PG_locked bit in {@link PageFrames}, set with an atomic test-and-set,
 * so {@code trylock_page} elsewhere sees the same lock; a thread that cannot take it waits on its
 * queue's monitor and is woken by {@link #unlock}.
 *
 * <p>No lost wake-up: a waiter re-tries the bit while holding the queue's monitor, and the unlocker
 * clears the bit before it takes that monitor to notify, so a clear that lands after the waiter's try
 * finds the waiter already in {@code wait()}.
 */
final class PageLock {
    /** PAGE_WAIT_TABLE_BITS (mm/filemap.c). */
    static final int PAGE_WAIT_TABLE_BITS = 8;

    private final PageFrames frames;
    private final Object[] queues = new Object[1 << PAGE_WAIT_TABLE_BITS];

    /** @param frames the page frames whose PG_locked bits this lock uses */
    PageLock(PageFrames frames) {
        this.frames = frames;
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
     * {@code folio_lock}: takes PG_locked, sleeping (uninterruptibly) until its holder unlocks.
     *
     * @param pfn a page the caller holds a reference to
     */
    void lock(long pfn) {
        if (trylock(pfn)) {
            return;
        }
        Object q = queue(pfn);
        synchronized (q) {
            boolean interrupted = false;
            while (!trylock(pfn)) {
                try {
                    q.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // TASK_UNINTERRUPTIBLE: keep waiting, restore the status after
                }
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
     * @throws IllegalStateException if it was not locked (the kernel's VM_BUG_ON_FOLIO)
     */
    void unlock(long pfn) {
        if (!frames.clearFlag(pfn, PageFlags.PG_LOCKED)) {
            throw new IllegalStateException(String.format("pfn: %#x unlocked (expected: locked, folio_unlock)", pfn));
        }
        Object q = queue(pfn);
        synchronized (q) {
            q.notifyAll();
        }
    }

    private Object queue(long pfn) {
        long h = pfn * 0x9E3779B97F4A7C15L;
        return queues[(int) (h >>> (64 - PAGE_WAIT_TABLE_BITS))];
    }
}
