package org.kmemu.core.sched;

import java.util.BitSet;

/**
 * Pid numbers, handed out as kernel/pid.c {@code alloc_pid} does: cyclically upwards from the last
 * pid given ({@code idr_alloc_cyclic}), skipping pids in use; after the first wrap numbering restarts
 * at {@link #RESERVED_PIDS}, since the low pids belong to what started at boot. pid 0 is never handed
 * out: it is the idle tasks' (they are made by hand, {@code init_idle}). When every pid in
 * [pid_min, pid_max) is in use, allocation fails with -EAGAIN, as {@code alloc_pid} turns
 * {@code -ENOSPC} into {@code -EAGAIN}.
 *
 * <h2>pid_max</h2>
 * {@code PID_MAX_DEFAULT} is 0x8000 (include/linux/threads.h); {@code pid_idr_init} (kernel/pid.c)
 * raises it to {@code PIDS_PER_CPU_DEFAULT} (1024) pids per possible CPU, capped at
 * {@code PID_MAX_LIMIT}: 4 Mi on 64-bit kernels, PID_MAX_DEFAULT on 32-bit ones.
 *
 * <p>Thread-safe (one lock, as the kernel's {@code pidmap_lock}).
 */
public final class PidMap {
    /** include/linux/threads.h. */
    public static final int PID_MAX_DEFAULT = 0x8000;
    /** include/linux/threads.h, 64-bit ({@code sizeof(long) > 4}). */
    public static final int PID_MAX_LIMIT_64 = 4 * 1024 * 1024;
    /** include/linux/threads.h. */
    public static final int PIDS_PER_CPU_DEFAULT = 1024;
    /** kernel/pid.c: where numbering restarts after a wrap. */
    public static final int RESERVED_PIDS = 300;
    /** {@code -EAGAIN} (include/uapi/asm-generic/errno-base.h). */
    public static final int EAGAIN = -11;

    private final int pidMax;
    private final BitSet used = new BitSet();
    /** The last pid handed out (the idr's cursor is one past it). */
    private int last;

    /**
     * @param pidMax one past the largest pid
     */
    public PidMap(int pidMax) {
        if (pidMax <= RESERVED_PIDS) {
            throw new IllegalArgumentException("pid_max: " + pidMax + " (expected: more than " + RESERVED_PIDS + ")");
        }
        this.pidMax = pidMax;
    }

    /**
     * @param nrCpus how many CPUs the machine has
     * @param bits64 whether the kernel is 64-bit
     * @return pid_max as pid_idr_init sets it at boot
     */
    public static int defaultPidMax(int nrCpus, boolean bits64) {
        int limit = bits64 ? PID_MAX_LIMIT_64 : PID_MAX_DEFAULT;
        return Math.min(limit, Math.max(PID_MAX_DEFAULT, PIDS_PER_CPU_DEFAULT * nrCpus));
    }

    /** @return one past the largest pid */
    public int pidMax() {
        return pidMax;
    }

    /** @return a free pid, now in use, or {@link #EAGAIN} if there is none */
    public synchronized int alloc() {
        // alloc_pid: pid_min is 1 until the cursor has passed RESERVED_PIDS once.
        int pidMin = last + 1 > RESERVED_PIDS ? RESERVED_PIDS : 1;
        int start = last + 1 >= pidMax ? pidMin : last + 1;
        int pid = used.nextClearBit(start);
        if (pid >= pidMax) {
            pid = used.nextClearBit(pidMin);
            if (pid >= start) {
                return EAGAIN;
            }
        }
        used.set(pid);
        last = pid;
        return pid;
    }

    /** @param pid a pid in use, which becomes free ({@code free_pid}) */
    public synchronized void free(int pid) {
        if (pid <= 0 || pid >= pidMax || !used.get(pid)) {
            throw new IllegalArgumentException("free_pid: " + pid + " (expected: a pid in use)");
        }
        used.clear(pid);
    }

    /** @param pid a pid @return whether it is in use */
    public synchronized boolean inUse(int pid) {
        return used.get(pid);
    }

    /** @return how many pids are in use */
    public synchronized int nrInUse() {
        return used.cardinality();
    }
}
