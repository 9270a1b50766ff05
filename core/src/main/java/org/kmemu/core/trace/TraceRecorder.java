package org.kmemu.core.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link KmemProbe} that streams every memory event (the kmem ones, vmalloc, tlb_flush, the page faults and
 * kmemu's kmap, kunmap and tlb_miss) to a file as ftrace's {@code trace} file prints it
 * (the header, then one line per event), for a recording of any length: {@code kmemu trace record}.
 *
 * <p>The ftrace ring ({@link TraceBuffer}) keeps the newest events of a bounded ring; a recording keeps
 * all of them and must not hold them in memory. Events go as {@link TraceRecord}s into a small chunk
 * (primitives and string ids, as in a ring); a full chunk is formatted by {@link TraceFormat}, the ring's
 * own printer, into a spool file. The header's first lines count the entries, which are known only
 * at the end, so {@link #finish} writes the header and then copies the spool after it.
 *
 * <p><b>Order.</b> Lines appear in the order the events fired (a machine-wide order, as one run owns
 * all CPUs on one thread), not merged by time stamp: a replay acts on the file's order, and each CPU
 * has its own clock, so merging by stamp could put a free before its allocation.
 *
 * <p><b>Threads.</b> The probe methods take this recorder's lock: events of several CPUs' threads
 * never interleave within a chunk. With one thread (a workload run) the lock is never contended.
 * An I/O error while spooling is an {@link UncheckedIOException} out of the tracepoint, which reaches
 * the allocating caller (a probe's exception propagates, {@link KmemProbe}).
 */
public final class TraceRecorder implements KmemProbe, AutoCloseable {
    /** Records per chunk: 1 Ki records of {@value TraceRecord#WORDS} longs, 56 KiB. */
    static final int CHUNK = 1024;

    private final int cpus;
    private final Path spool;
    private final Writer body;
    private final long[] words = new long[CHUNK * TraceRecord.WORDS];
    private final int[] cpuOf = new int[CHUNK];
    private final TraceStrings strings = new TraceStrings();
    private final StringBuilder line = new StringBuilder(192);
    private char[] chars = new char[192];
    private int pending;
    private long events;
    private boolean closed;

    /**
     * @param cpus     the machine's CPU count (the header's {@code #P})
     * @param spoolDir where the spool file (the lines without the header) is made; it is deleted by
     *                 {@link #finish} or {@link #close}
     * @throws IOException if the spool file cannot be made
     */
    public TraceRecorder(int cpus, Path spoolDir) throws IOException {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus: " + cpus + " (expected: at least 1)");
        }
        this.cpus = cpus;
        this.spool = Files.createTempFile(spoolDir, "kmemu-trace-", ".spool");
        this.body = new BufferedWriter(Files.newBufferedWriter(spool, StandardCharsets.UTF_8), 1 << 16);
    }

    /** @return events recorded so far */
    public synchronized long events() {
        return events;
    }

    @Override
    public synchronized void mmPageAlloc(int cpu, long nanos, String comm, int pid, long page, long pfn, int order,
                                         int migratetype, int gfp) {
        add(cpu, nanos, TraceRecord.MM_PAGE_ALLOC, comm, pid, page, pfn, order, TraceRecord.gfpAux(gfp, migratetype));
    }

    @Override
    public synchronized void mmPageFree(int cpu, long nanos, String comm, int pid, long page, long pfn, int order) {
        add(cpu, nanos, TraceRecord.MM_PAGE_FREE, comm, pid, page, pfn, order, 0);
    }

    @Override
    public synchronized void mmPageAllocExtfrag(int cpu, long nanos, String comm, int pid, long page, long pfn,
                                                int allocOrder, int fallbackOrder, int pageblockOrder,
                                                int allocMigratetype, int fallbackMigratetype, boolean changeOwnership) {
        add(cpu, nanos, TraceRecord.MM_PAGE_ALLOC_EXTFRAG, comm, pid, page, pfn,
                TraceRecord.extfragOrders(allocOrder, fallbackOrder, pageblockOrder, changeOwnership),
                TraceRecord.gfpAux(fallbackMigratetype, allocMigratetype));
    }

    @Override
    public synchronized void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                                     long bytesAlloc, int gfp) {
        add(cpu, nanos, TraceRecord.KMALLOC, comm, pid, ptr, bytesReq, bytesAlloc, TraceRecord.gfpAux(gfp, site(callSite)));
    }

    @Override
    public synchronized void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr,
                                            long bytesReq, long bytesAlloc, int gfp) {
        add(cpu, nanos, TraceRecord.KMEM_CACHE_ALLOC, comm, pid, ptr, bytesReq, bytesAlloc,
                TraceRecord.gfpAux(gfp, site(callSite)));
    }

    @Override
    public synchronized void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        add(cpu, nanos, TraceRecord.KFREE, comm, pid, ptr, 0, 0, TraceRecord.gfpAux(0, site(callSite)));
    }

    @Override
    public synchronized void kmemCacheFree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        add(cpu, nanos, TraceRecord.KMEM_CACHE_FREE, comm, pid, ptr, 0, 0, TraceRecord.gfpAux(0, site(callSite)));
    }

    @Override
    public synchronized void allocVmapArea(int cpu, long nanos, String comm, int pid, long addr, long size, long align, long vstart,
                              long vend, boolean failed) {
        add(cpu, nanos, TraceRecord.ALLOC_VMAP_AREA, comm, pid, addr, TraceRecord.vmapSizeAlign(size, align, failed), vstart,
                vend);
    }

    @Override
    public synchronized void purgeVmapAreaLazy(int cpu, long nanos, String comm, int pid, long start, long end, int npurged) {
        add(cpu, nanos, TraceRecord.PURGE_VMAP_AREA_LAZY, comm, pid, start, end, npurged & 0xffff_ffffL, 0);
    }

    @Override
    public synchronized void freeVmapAreaNoflush(int cpu, long nanos, String comm, int pid, long vaStart, long nrLazy,
                                    long nrLazyMax) {
        add(cpu, nanos, TraceRecord.FREE_VMAP_AREA_NOFLUSH, comm, pid, vaStart, nrLazy, nrLazyMax, 0);
    }

    @Override
    public synchronized void tlbFlush(int cpu, long nanos, String comm, int pid, int reason, long pages) {
        add(cpu, nanos, TraceRecord.TLB_FLUSH, comm, pid, pages, 0, 0, TraceRecord.gfpAux(reason, 0));
    }

    @Override
    public synchronized void pageFaultUser(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
        add(cpu, nanos, TraceRecord.PAGE_FAULT_USER, comm, pid, address, ip, errorCode, 0);
    }

    @Override
    public synchronized void pageFaultKernel(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
        add(cpu, nanos, TraceRecord.PAGE_FAULT_KERNEL, comm, pid, address, ip, errorCode, 0);
    }

    @Override
    public synchronized void kmap(int cpu, long nanos, String comm, int pid, long pfn, long vaddr, int kind, boolean highmem) {
        add(cpu, nanos, TraceRecord.KMAP, comm, pid, pfn, vaddr, 0, TraceRecord.gfpAux(kind, highmem ? 1 : 0));
    }

    @Override
    public synchronized void kunmap(int cpu, long nanos, String comm, int pid, long vaddr, int kind) {
        add(cpu, nanos, TraceRecord.KUNMAP, comm, pid, vaddr, 0, 0, TraceRecord.gfpAux(kind, 0));
    }

    @Override
    public synchronized void tlbMiss(int cpu, long nanos, String comm, int pid, long address, int access, int levels,
                        boolean fault) {
        add(cpu, nanos, TraceRecord.TLB_MISS, comm, pid, address, 0, 0, TraceRecord.missAux(access, levels, fault));
    }

    /** A caller that names no call site prints as {@code (null)}, as {@link KmemMetrics} counts it. */
    private int site(String callSite) {
        return strings.id(callSite == null ? "(null)" : callSite);
    }

    private void add(int cpu, long nanos, int event, String comm, int pid, long arg0, long arg1, long arg2, long gfpAux) {
        if (closed) {
            throw new IllegalStateException("trace recorder: event after finish or close");
        }
        int at = pending * TraceRecord.WORDS;
        words[at + TraceRecord.SEQ] = events;
        words[at + TraceRecord.TS] = nanos;
        words[at + TraceRecord.HEADER] = TraceRecord.header(event, strings.id(comm), pid);
        words[at + TraceRecord.ARG0] = arg0;
        words[at + TraceRecord.ARG1] = arg1;
        words[at + TraceRecord.ARG2] = arg2;
        words[at + TraceRecord.GFP_AUX] = gfpAux;
        cpuOf[pending] = cpu;
        events++;
        if (++pending == CHUNK) {
            drain();
        }
    }

    /** Formats the chunk into the spool, reusing one builder and one char buffer. */
    private void drain() {
        try {
            for (int i = 0; i < pending; i++) {
                line.setLength(0);
                TraceFormat.line(line, words, i * TraceRecord.WORDS, cpuOf[i], strings);
                line.append('\n');
                int n = line.length();
                if (n > chars.length) {
                    chars = new char[Math.max(n, chars.length * 2)];
                }
                line.getChars(0, n, chars, 0);
                body.write(chars, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("trace record: writing " + spool + ": " + e.getMessage(), e);
        } finally {
            pending = 0;
        }
    }

    /**
     * Stops recording and writes the trace: the header ({@code entries-in-buffer/entries-written}
     * both the events recorded, nothing being overwritten), then every event line. Detach the recorder
     * from the tracepoints first.
     *
     * @param out where the trace goes; flushed, not closed
     * @return the events written
     * @throws IOException if the spool or {@code out} fails
     */
    public synchronized long finish(Writer out) throws IOException {
        try {
            drain();
            body.close();
            closed = true;
            StringBuilder header = new StringBuilder(1024);
            TraceFormat.header(header, events, events, cpus);
            out.append(header);
            try (Reader in = Files.newBufferedReader(spool, StandardCharsets.UTF_8)) {
                in.transferTo(out);
            }
            out.flush();
            return events;
        } finally {
            close();
        }
    }

    /** Drops the spool without writing a trace (a failed run). */
    @Override
    public synchronized void close() throws IOException {
        closed = true;
        try {
            body.close();
        } finally {
            Files.deleteIfExists(spool);
        }
    }
}
