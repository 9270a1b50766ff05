package org.kmemu.core.mm.vma;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code mm->mmap_lock} (include/linux/mmap_lock.h): a read-write semaphore. A CPU's thread that cannot
 * take it blocks until the holder releases it, as a task sleeps in {@code down_read}/{@code down_write};
 * readers share it. It is held per thread (each thread is one CPU and the task it runs), which is what
 * lockdep knows about a rwsem, so the asserts are lockdep's: {@code mmap_assert_locked} warns when the
 * caller does not hold the lock (6.12: {@code rwsem_assert_held} → {@code lockdep_assert_held}, a
 * {@code WARN_ON} in include/linux/rwsem.h), and the caller carries on.
 */
public final class MmapLock {
    private static final String CUT_HERE = "------------[ cut here ]------------";

    private final ReentrantReadWriteLock sem = new ReentrantReadWriteLock();
    private final KernelLog log;

    /** @param log where the asserts' warnings go */
    public MmapLock(KernelLog log) {
        this.log = log;
    }

    /** {@code mmap_read_lock}: blocks while a writer holds it. */
    public void readLock() {
        sem.readLock().lock();
    }

    /** @return {@code mmap_read_trylock}: true if taken without waiting */
    public boolean readTrylock() {
        return sem.readLock().tryLock();
    }

    /** {@code mmap_read_unlock}. */
    public void readUnlock() {
        sem.readLock().unlock();
    }

    /** {@code mmap_write_lock}: blocks while anyone else holds it. */
    public void writeLock() {
        sem.writeLock().lock();
    }

    /** @return {@code mmap_write_trylock} */
    public boolean writeTrylock() {
        return sem.writeLock().tryLock();
    }

    /** {@code mmap_write_unlock}. */
    public void writeUnlock() {
        sem.writeLock().unlock();
    }

    /** {@code mmap_write_downgrade}: the writer becomes a reader without letting another writer in. */
    public void writeDowngrade() {
        sem.readLock().lock();
        sem.writeLock().unlock();
    }

    /** @return whether the calling thread holds it for read or write */
    public boolean heldByCaller() {
        return sem.getReadHoldCount() > 0 || sem.isWriteLockedByCurrentThread();
    }

    /** @return {@code rwsem_is_locked}: whether anyone holds it */
    public boolean isLocked() {
        return sem.getReadLockCount() > 0 || sem.isWriteLocked();
    }

    /**
     * {@code mmap_assert_locked(mm)}: the caller must hold the lock, for read or write.
     *
     * @param cpu the calling CPU (the warning names it and its current task)
     * @return whether it was held
     */
    public boolean assertLocked(Cpu cpu) {
        boolean held = heldByCaller();
        if (!held) {
            warn(cpu, "include/linux/rwsem.h rwsem_assert_held");
        }
        return held;
    }

    /**
     * {@code mmap_assert_write_locked(mm)}: the caller must hold the lock for write.
     *
     * @param cpu the calling CPU
     * @return whether it was held for write
     */
    public boolean assertWriteLocked(Cpu cpu) {
        boolean held = sem.isWriteLockedByCurrentThread();
        if (!held) {
            warn(cpu, "include/linux/rwsem.h rwsem_assert_held_write");
        }
        return held;
    }

    private void warn(Cpu cpu, String location) {
        // __warn() (kernel/panic.c): the cut-here marker, then the WARNING line naming the CPU and current
        log.printk(cpu.id(), LogLevel.WARNING, CUT_HERE);
        log.printk(cpu.id(), LogLevel.WARNING,
                String.format("WARNING: CPU: %d PID: %d at %s", cpu.id(), cpu.current().pid(), location));
    }
}
