package org.kmemu.core.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The machine's trace buffer: tracepoint events recorded as ftrace records them, one ring per CPU
 * (kernel/trace/ring_buffer.c), and printed in ftrace's text format (kernel/trace/trace_output.c), the
 * same format kmemu's trace replay reads:
 *
 * <pre>
 * # tracer: nop
 * #           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION
 *             init-1     [000] .N..     0.170000: kmalloc: call_site=c104de4f ptr=c143de20 ...
 * </pre>
 *
 * <p><b>Recording</b> is one typed method per tracepoint with primitive arguments ({@link #mmPageAlloc},
 * {@link #kmalloc}, ...). It writes a fixed-size binary {@link TraceRecord} into the calling CPU's ring,
 * with no lock, no allocation and no formatting; comms and call sites become ids in that CPU's string
 * table. Each CPU's ring is written only by that CPU's thread, as tracepoints fire on the CPU that runs
 * the code. A full ring overwrites its own oldest record (ftrace's overwrite mode); the header still
 * counts every event written. Recording is off until {@link #setEnabled} turns it on (as
 * {@code events/kmem/enable}); the rings are allocated then, so a machine that never traces pays for
 * none, and a tracepoint costs one volatile read while off.
 *
 * <p><b>Reading</b> ({@link #events}, {@link #render}) copies each ring and merges them by time stamp
 * as ftrace's iterator does. Stamps are the recording CPU's clock ({@code Cpu.clockNanos}, per CPU as
 * ftrace's {@code trace_clock_local}); ties (two CPUs at the same time, or costs configured to 0) go by a
 * machine-wide sequence number taken at recording (one atomic increment per event: the only write
 * shared between CPUs), so events appear in the order they were recorded. Readers may run on any
 * thread while CPUs record.
 *
 * <p>The buffer is a {@link KmemProbe} on the machine's {@link Tracepoints}: enabling attaches it,
 * disabling detaches it, so a machine that does not trace fires its tracepoints into no probe at all.
 */
public final class TraceBuffer implements KmemProbe {
    /** Records per CPU ring: 64 Ki records of {@value TraceRecord#WORDS} longs, 3.5 MiB per CPU while tracing. */
    public static final int DEFAULT_CAPACITY_PER_CPU = 1 << 16;

    /** The largest ring: 2^28 records of {@value TraceRecord#WORDS} longs still index one long[]. */
    public static final int MAX_CAPACITY_PER_CPU = 1 << 28;

    private final int capacityPerCpu;
    private final CpuTraceRing[] rings;
    private final Tracepoints tracepoints;
    private final AtomicLong seq = new AtomicLong();
    private volatile boolean enabled;

    /**
     * @param capacityPerCpu how many records each CPU's ring keeps at least before its oldest are overwritten;
     *                       rounded up to a power of two (as ftrace rounds buffer_size_kb up to whole pages)
     * @param cpus           the machine's CPU count (the header's #P)
     * @throws IllegalArgumentException if the capacity is not in 1..2^28 or {@code cpus < 1}
     */
    public TraceBuffer(int capacityPerCpu, int cpus) {
        this(capacityPerCpu, cpus, new Tracepoints());
    }

    /**
     * @param capacityPerCpu as in {@link #TraceBuffer(int, int)}
     * @param cpus           the machine's CPU count
     * @param tracepoints    the tracepoints this buffer attaches to while enabled
     * @throws IllegalArgumentException if the capacity is not in 1..2^28 or {@code cpus < 1}
     */
    public TraceBuffer(int capacityPerCpu, int cpus, Tracepoints tracepoints) {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus: " + cpus + " (expected: at least 1)");
        }
        if (capacityPerCpu < 1 || capacityPerCpu > MAX_CAPACITY_PER_CPU) {
            throw new IllegalArgumentException("trace capacity per CPU: " + capacityPerCpu + " (expected: 1.."
                    + MAX_CAPACITY_PER_CPU + ")");
        }
        this.capacityPerCpu = capacityPerCpu == 1 ? 1 : Integer.highestOneBit(capacityPerCpu - 1) << 1;
        this.rings = new CpuTraceRing[cpus];
        this.tracepoints = tracepoints;
    }

    /** @return the tracepoints this buffer records from while enabled */
    public Tracepoints tracepoints() {
        return tracepoints;
    }

    /** @return whether events are being recorded */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Starts or stops recording. The first start allocates the rings; stopping keeps what they hold.
     *
     * @param on start or stop recording
     */
    public synchronized void setEnabled(boolean on) {
        if (on && rings[0] == null) {
            for (int i = 0; i < rings.length; i++) {
                rings[i] = new CpuTraceRing(capacityPerCpu);
            }
        }
        this.enabled = on;
        if (on) {
            tracepoints.attach(this);
        } else {
            tracepoints.detach(this);
        }
    }

    /**
     * {@code trace_mm_page_alloc()} (include/trace/events/kmem.h).
     *
     * @param cpu         the calling CPU, whose thread this is
     * @param nanos       emulated time
     * @param comm        the task's name
     * @param pid         its pid
     * @param page        the address of the block's {@code struct page}
     * @param pfn         the block's first pfn
     * @param order       its order
     * @param migratetype the migrate type the gfp flags select
     * @param gfp         the allocation's gfp flags
     */
    @Override
    public void mmPageAlloc(int cpu, long nanos, String comm, int pid, long page, long pfn, int order, int migratetype,
                            int gfp) {
        if (!enabled) {
            return;
        }
        CpuTraceRing r = rings[cpu];
        r.write(seq.getAndIncrement(), nanos, TraceRecord.header(TraceRecord.MM_PAGE_ALLOC, r.strings.id(comm), pid), page,
                pfn, order, TraceRecord.gfpAux(gfp, migratetype));
    }

    /**
     * {@code trace_mm_page_free()}.
     *
     * @param cpu   the calling CPU, whose thread this is
     * @param nanos emulated time
     * @param comm  the task's name
     * @param pid   its pid
     * @param page  the address of the block's {@code struct page}
     * @param pfn   the block's first pfn
     * @param order its order
     */
    @Override
    public void mmPageFree(int cpu, long nanos, String comm, int pid, long page, long pfn, int order) {
        if (!enabled) {
            return;
        }
        CpuTraceRing r = rings[cpu];
        r.write(seq.getAndIncrement(), nanos, TraceRecord.header(TraceRecord.MM_PAGE_FREE, r.strings.id(comm), pid), page,
                pfn, order, 0);
    }

    /**
     * {@code trace_mm_page_alloc_extfrag()}; the fields as {@link KmemProbe#mmPageAllocExtfrag}.
     */
    @Override
    public void mmPageAllocExtfrag(int cpu, long nanos, String comm, int pid, long page, long pfn, int allocOrder,
                                   int fallbackOrder, int pageblockOrder, int allocMigratetype, int fallbackMigratetype,
                                   boolean changeOwnership) {
        if (!enabled) {
            return;
        }
        CpuTraceRing r = rings[cpu];
        r.write(seq.getAndIncrement(), nanos, TraceRecord.header(TraceRecord.MM_PAGE_ALLOC_EXTFRAG, r.strings.id(comm), pid),
                page, pfn, TraceRecord.extfragOrders(allocOrder, fallbackOrder, pageblockOrder, changeOwnership),
                TraceRecord.gfpAux(fallbackMigratetype, allocMigratetype));
    }

    /**
     * {@code trace_kmalloc()}.
     *
     * @param cpu        the calling CPU, whose thread this is
     * @param nanos      emulated time
     * @param comm       the task's name
     * @param pid        its pid
     * @param callSite   the caller, as the trace prints it
     * @param ptr        the object, or 0 when the allocation failed
     * @param bytesReq   the size asked
     * @param bytesAlloc the size given
     * @param gfp        the gfp flags
     */
    @Override
    public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq, long bytesAlloc,
                        int gfp) {
        alloc(TraceRecord.KMALLOC, cpu, nanos, comm, pid, callSite, ptr, bytesReq, bytesAlloc, gfp);
    }

    /**
     * {@code trace_kmem_cache_alloc()}: the same fields as {@link #kmalloc}.
     *
     * @param cpu        the calling CPU, whose thread this is
     * @param nanos      emulated time
     * @param comm       the task's name
     * @param pid        its pid
     * @param callSite   the caller
     * @param ptr        the object, or 0
     * @param bytesReq   the cache's object size
     * @param bytesAlloc its slot size
     * @param gfp        the gfp flags
     */
    @Override
    public void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                               long bytesAlloc, int gfp) {
        alloc(TraceRecord.KMEM_CACHE_ALLOC, cpu, nanos, comm, pid, callSite, ptr, bytesReq, bytesAlloc, gfp);
    }

    /**
     * {@code trace_kfree()}.
     *
     * @param cpu      the calling CPU, whose thread this is
     * @param nanos    emulated time
     * @param comm     the task's name
     * @param pid      its pid
     * @param callSite the caller
     * @param ptr      the pointer freed, 0 for NULL
     */
    @Override
    public void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        free(TraceRecord.KFREE, cpu, nanos, comm, pid, callSite, ptr);
    }

    /**
     * {@code trace_kmem_cache_free()}.
     *
     * @param cpu      the calling CPU, whose thread this is
     * @param nanos    emulated time
     * @param comm     the task's name
     * @param pid      its pid
     * @param callSite the caller
     * @param ptr      the object freed
     */
    @Override
    public void kmemCacheFree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        free(TraceRecord.KMEM_CACHE_FREE, cpu, nanos, comm, pid, callSite, ptr);
    }

    @Override
    public void allocVmapArea(int cpu, long nanos, String comm, int pid, long addr, long size, long align, long vstart,
                              long vend, boolean failed) {
        event(cpu, nanos, TraceRecord.ALLOC_VMAP_AREA, comm, pid, addr, TraceRecord.vmapSizeAlign(size, align, failed), vstart,
                vend);
    }

    @Override
    public void purgeVmapAreaLazy(int cpu, long nanos, String comm, int pid, long start, long end, int npurged) {
        event(cpu, nanos, TraceRecord.PURGE_VMAP_AREA_LAZY, comm, pid, start, end, npurged & 0xffff_ffffL, 0);
    }

    @Override
    public void freeVmapAreaNoflush(int cpu, long nanos, String comm, int pid, long vaStart, long nrLazy,
                                    long nrLazyMax) {
        event(cpu, nanos, TraceRecord.FREE_VMAP_AREA_NOFLUSH, comm, pid, vaStart, nrLazy, nrLazyMax, 0);
    }

    @Override
    public void tlbFlush(int cpu, long nanos, String comm, int pid, int reason, long pages) {
        event(cpu, nanos, TraceRecord.TLB_FLUSH, comm, pid, pages, 0, 0, TraceRecord.gfpAux(reason, 0));
    }

    @Override
    public void pageFaultUser(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
        event(cpu, nanos, TraceRecord.PAGE_FAULT_USER, comm, pid, address, ip, errorCode, 0);
    }

    @Override
    public void pageFaultKernel(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
        event(cpu, nanos, TraceRecord.PAGE_FAULT_KERNEL, comm, pid, address, ip, errorCode, 0);
    }

    @Override
    public void kmap(int cpu, long nanos, String comm, int pid, long pfn, long vaddr, int kind, boolean highmem) {
        event(cpu, nanos, TraceRecord.KMAP, comm, pid, pfn, vaddr, 0, TraceRecord.gfpAux(kind, highmem ? 1 : 0));
    }

    @Override
    public void kunmap(int cpu, long nanos, String comm, int pid, long vaddr, int kind) {
        event(cpu, nanos, TraceRecord.KUNMAP, comm, pid, vaddr, 0, 0, TraceRecord.gfpAux(kind, 0));
    }

    @Override
    public void tlbMiss(int cpu, long nanos, String comm, int pid, long address, int access, int levels,
                        boolean fault) {
        event(cpu, nanos, TraceRecord.TLB_MISS, comm, pid, address, 0, 0, TraceRecord.missAux(access, levels, fault));
    }

    /** Records one of the events above: no string but the comm, so no call site id. */
    private void event(int cpu, long nanos, int event, String comm, int pid, long arg0, long arg1, long arg2, long gfpAux) {
        if (!enabled) {
            return;
        }
        CpuTraceRing r = rings[cpu];
        r.write(seq.getAndIncrement(), nanos, TraceRecord.header(event, r.strings.id(comm), pid), arg0, arg1, arg2, gfpAux);
    }

    private void alloc(int event, int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                       long bytesAlloc, int gfp) {
        if (!enabled) {
            return;
        }
        CpuTraceRing r = rings[cpu];
        TraceStrings s = r.strings;
        r.write(seq.getAndIncrement(), nanos, TraceRecord.header(event, s.id(comm), pid), ptr, bytesReq, bytesAlloc,
                TraceRecord.gfpAux(gfp, s.id(callSite)));
    }

    private void free(int event, int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        if (!enabled) {
            return;
        }
        CpuTraceRing r = rings[cpu];
        TraceStrings s = r.strings;
        r.write(seq.getAndIncrement(), nanos, TraceRecord.header(event, s.id(comm), pid), ptr, 0, 0,
                TraceRecord.gfpAux(0, s.id(callSite)));
    }

    /** @return the recorded events, oldest first, each one line as the {@code trace} file prints it */
    public List<String> events() {
        List<String> out = new ArrayList<>();
        read(out, null);
        return out;
    }

    /** Empties every CPU's ring (writing to {@code trace}); the written count restarts. */
    public synchronized void clear() {
        for (CpuTraceRing r : rings) {
            if (r != null) {
                r.clear();
            }
        }
    }

    /** @return the buffer as the {@code trace} file prints it, header included */
    public String render() {
        List<String> lines = new ArrayList<>();
        long[] counts = new long[2];
        read(lines, counts);
        StringBuilder out = new StringBuilder();
        TraceFormat.header(out, counts[0], counts[1], rings.length);
        for (String l : lines) {
            out.append(l).append('\n');
        }
        return out.toString();
    }

    /**
     * Copies every ring and merges them as ftrace's iterator does: repeatedly the CPU whose next record
     * has the lowest time stamp (then the lowest sequence number).
     *
     * @param lines  where the formatted events go
     * @param counts if not null, gets entries in buffer and entries written
     */
    private void read(List<String> lines, long[] counts) {
        int cpus = rings.length;
        CpuTraceRing.Snapshot[] snaps = new CpuTraceRing.Snapshot[cpus];
        int[] next = new int[cpus];
        long entries = 0;
        long written = 0;
        for (int c = 0; c < cpus; c++) {
            CpuTraceRing r = rings[c];
            if (r != null) {
                snaps[c] = r.snapshot();
                next[c] = snaps[c].first();
                entries += snaps[c].entries();
                written += snaps[c].written();
            }
        }
        if (counts != null) {
            counts[0] = entries;
            counts[1] = written;
        }
        StringBuilder line = new StringBuilder(128);
        for (long left = entries; left > 0; left--) {
            int best = -1;
            long bestTs = 0;
            long bestSeq = 0;
            for (int c = 0; c < cpus; c++) {
                CpuTraceRing.Snapshot s = snaps[c];
                if (s == null || next[c] == s.first() + s.entries()) {
                    continue;
                }
                int at = next[c] * TraceRecord.WORDS;
                long ts = s.words()[at + TraceRecord.TS];
                long sq = s.words()[at + TraceRecord.SEQ];
                if (best < 0 || ts < bestTs || ts == bestTs && sq < bestSeq) {
                    best = c;
                    bestTs = ts;
                    bestSeq = sq;
                }
            }
            line.setLength(0);
            TraceFormat.line(line, snaps[best].words(), next[best] * TraceRecord.WORDS, best, rings[best].strings);
            lines.add(line.toString());
            next[best]++;
        }
    }
}
