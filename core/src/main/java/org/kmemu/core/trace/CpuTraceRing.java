package org.kmemu.core.trace;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One CPU's ring of {@link TraceRecord}s in overwrite mode, as ftrace's per-CPU ring buffer
 * (kernel/trace/ring_buffer.c): when full, a new record replaces that CPU's oldest and counts as an
 * overrun, so the header's entries-written stays the number of events recorded.
 *
 * <p>Single writer, lock-free readers. Only the CPU's thread writes (tracepoints fire on the CPU
 * that runs the code); readers on any thread copy the ring and keep only the records no write can
 * have touched meanwhile, with two counters as a sequence lock:
 * <ul>
 *   <li>{@code begun}: records whose writing has started; raised before a slot is written;</li>
 *   <li>{@code written}: records complete; raised (release) after the slot is written.</li>
 * </ul>
 * Record {@code i} lives in slot {@code i % capacity} until record {@code i + capacity} begins. A
 * reader reads {@code written} (acquire), copies, then reads {@code begun}: every copied record
 * {@code i >= begun - capacity} was intact throughout, the older ones are dropped as overwritten.
 * When the CPU is idle nothing is dropped. The words are written with plain stores, which on a 64-bit
 * JVM are never torn; the counters order them.
 */
final class CpuTraceRing {
    private static final VarHandle BEGUN;
    private static final VarHandle WRITTEN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            BEGUN = l.findVarHandle(CpuTraceRing.class, "begun", long.class);
            WRITTEN = l.findVarHandle(CpuTraceRing.class, "written", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] words;
    private final int mask;
    final TraceStrings strings = new TraceStrings();
    private long begun;
    private long written;
    /** {@code written} when the buffer was last cleared: records before it are not shown. */
    private volatile long clearedAt;

    /** @param capacity records, a power of two */
    CpuTraceRing(int capacity) {
        if (capacity <= 0 || Integer.bitCount(capacity) != 1 || capacity > Integer.MAX_VALUE / TraceRecord.WORDS) {
            throw new IllegalArgumentException("trace ring capacity: " + capacity + " (expected: a power of two, at most "
                    + Integer.highestOneBit(Integer.MAX_VALUE / TraceRecord.WORDS) + ")");
        }
        this.words = new long[capacity * TraceRecord.WORDS];
        this.mask = capacity - 1;
    }

    /** Appends one record; called only by the CPU's thread. */
    void write(long seq, long ts, long header, long arg0, long arg1, long arg2, long gfpAux) {
        long i = written;
        BEGUN.setOpaque(this, i + 1);
        VarHandle.storeStoreFence();
        int at = (int) (i & mask) * TraceRecord.WORDS;
        long[] w = words;
        w[at + TraceRecord.SEQ] = seq;
        w[at + TraceRecord.TS] = ts;
        w[at + TraceRecord.HEADER] = header;
        w[at + TraceRecord.ARG0] = arg0;
        w[at + TraceRecord.ARG1] = arg1;
        w[at + TraceRecord.ARG2] = arg2;
        w[at + TraceRecord.GFP_AUX] = gfpAux;
        WRITTEN.setRelease(this, i + 1);
    }

    /** Forgets every record so far (writing to {@code trace}); the count of written records restarts too. */
    void clear() {
        clearedAt = (long) WRITTEN.getAcquire(this);
    }

    /**
     * Copies the records a reader may show.
     *
     * @return the intact records since the last clear, oldest first, and how many were written since then
     */
    Snapshot snapshot() {
        long cleared = clearedAt;
        long end = (long) WRITTEN.getAcquire(this);
        int capacity = mask + 1;
        long start = Math.max(cleared, end - capacity);
        int n = (int) (end - start);
        long[] copy = new long[n * TraceRecord.WORDS];
        for (long i = start; i < end; i++) {
            System.arraycopy(words, (int) (i & mask) * TraceRecord.WORDS, copy, (int) (i - start) * TraceRecord.WORDS,
                    TraceRecord.WORDS);
        }
        VarHandle.loadLoadFence();
        long begunNow = (long) BEGUN.getOpaque(this);
        long firstIntact = Math.max(start, begunNow - capacity);
        int skip = (int) Math.min(n, firstIntact - start);
        return new Snapshot(copy, skip, n - skip, end - cleared);
    }

    /**
     * Records copied out of a ring.
     *
     * @param words   the copied words
     * @param first   index of the first intact record in {@code words}
     * @param entries how many intact records there are
     * @param written records written since the last clear, overwritten ones included
     */
    record Snapshot(long[] words, int first, int entries, long written) {
    }
}
