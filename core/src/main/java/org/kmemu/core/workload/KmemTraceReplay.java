package org.kmemu.core.workload;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.machine.Machine;

/**
 * Replays a kernel's kmem trace (ftrace's kmem events, as kmem-probe-framework and {@code perf kmem}
 * record them) on a booted machine: each allocation is asked of kmemu's allocators with the trace's
 * size, gfp flags and call site, each free gives back what kmemu returned for the trace's pointer. What
 * kmemu's allocators then report (their own trace events, a probe's metrics, /proc) is the same
 * workload under kmemu's policy.
 *
 * <p><b>What is replayed.</b> In {@link Mode#OBJECTS} (the default): kmalloc, kmalloc_node, kfree,
 * kmem_cache_alloc(_node), kmem_cache_free. A trace does not name the cache of a kmem_cache_alloc
 * (before 6.x, which prints {@code name=}), so the replay makes one cache per object size, with no
 * flags, alignment or constructor. Page events are skipped there, because a trace's mm_page_alloc
 * events include the pages the traced slab allocator took for itself, which kmemu's allocator takes
 * again while replaying the objects. {@link Mode#PAGES} replays mm_page_alloc and mm_page_free
 * (mm_page_free_direct and mm_page_free_batched in 3.x) instead, for traces of page allocations.
 *
 * <p><b>CPUs.</b> An event that fired on CPU n runs on this machine's CPU {@code n mod cpus}. The
 * replay runs on the calling thread, which therefore becomes the owner of each CPU it uses
 * ({@code kmemu.debug.percpu}): run one replay per machine, and no other thread on those CPUs.
 *
 * <p><b>Calls.</b> Every allocation and free goes through {@link KernelCalls} (the {@code trace}
 * workload's path; {@link MachineKernelCalls} on a machine), and the replay tells it
 * {@link KernelCalls#advance} every {@value #ADVANCE_EVERY} events, so a host samples its metrics
 * over the trace's time. The loop reads the compiled trace's arrays and allocates nothing per event.
 */
public final class KmemTraceReplay {
    /** Which events a replay acts on. */
    public enum Mode {
        /** Object allocator events; page events skipped. */
        OBJECTS,
        /** Page allocator events; object events skipped. */
        PAGES
    }

    /** How many events the replay issues between two {@link KernelCalls#advance} calls. */
    public static final int ADVANCE_EVERY = 4096;

    /** The call site the replay's own frees name when it gives back what a trace left. */
    private static final String RELEASE_SITE = "replay_release";
    private static final long NONE = Long.MIN_VALUE;

    private final KernelCalls kernel;
    private final Mode mode;
    private final LongLongMap kmallocs = new LongLongMap();
    private final LongLongMap objects = new LongLongMap();
    private final LongLongMap objectCaches = new LongLongMap();
    private final LongLongMap pageBlocks = new LongLongMap();
    private final LongLongMap pageOrders = new LongLongMap();
    private final Map<String, Integer> cacheIds = new HashMap<>();
    private final Map<String, Long> replayed = new HashMap<>();
    private final Map<String, Long> skipped = new HashMap<>();
    private long events;
    private long unmatchedFrees;
    private long lostFrees;
    private long failedInTrace;
    private long failedHere;
    private boolean cpusFolded;
    private final boolean touch;

    /**
     * A replay straight on a machine's kernel services, for code outside an experiment.
     *
     * @param machine a booted machine
     * @param mode    which events to replay
     */
    public KmemTraceReplay(Machine machine, Mode mode) {
        this(new MachineKernelCalls(machine, total -> { }), mode);
    }

    /**
     * @param kernel the calls to make (a machine's, or a recording for tests)
     * @param mode   which events to replay
     */
    public KmemTraceReplay(KernelCalls kernel, Mode mode) {
        this(kernel, mode, false);
    }

    /**
     * @param kernel the calls to make
     * @param mode   which events to replay
     * @param touch  whether each allocation that succeeds is then written as its caller would initialise
     *               it ({@link Touch}): an object's bytes_req, each page of a block
     */
    public KmemTraceReplay(KernelCalls kernel, Mode mode, boolean touch) {
        this.kernel = kernel;
        this.mode = mode;
        this.touch = touch;
    }

    /** @return which events this replay acts on */
    public Mode mode() {
        return mode;
    }

    /**
     * Replays the events in order; may be called again with the trace's next events.
     *
     * @param trace the events
     * @return this replay
     * @throws TraceFormatException for an event with a missing or malformed field, naming its line
     */
    public KmemTraceReplay replay(List<FtraceEvent> trace) {
        return replay(CompiledKmemTrace.compile(trace, mode));
    }

    /**
     * Replays a compiled trace (compile once, replay on many machines). The events it holds are those
     * of the mode it was compiled for.
     *
     * @param t the trace
     * @return this replay
     */
    public KmemTraceReplay replay(CompiledKmemTrace t) {
        int[] cpus = cpusFor(t);
        int[] cacheOf = cachesFor(t);
        long[] counts = new long[t.names.size()];
        int sinceAdvance = 0;
        for (int i = 0; i < t.length; i++) {
            int cpu = cpus[t.cpu[i]];
            byte op = t.op[i];
            boolean failed = (op & CompiledKmemTrace.FAILED_FLAG) != 0;
            switch (op & ~CompiledKmemTrace.FAILED_FLAG) {
                case CompiledKmemTrace.KMALLOC -> kmalloc(cpu, t.ptr[i], t.size[i], t.gfp[i], t.site[i], failed);
                case CompiledKmemTrace.KFREE -> kfree(cpu, t.ptr[i], t.site[i]);
                case CompiledKmemTrace.CACHE_ALLOC -> cacheAlloc(cpu, cacheOf[t.cache[i]], t.cacheSizes[t.cache[i]], t.ptr[i],
                        t.gfp[i], t.site[i], failed);
                case CompiledKmemTrace.CACHE_FREE -> cacheFree(cpu, t.ptr[i], t.site[i]);
                case CompiledKmemTrace.PAGE_ALLOC -> pageAlloc(cpu, t.ptr[i], (int) t.size[i], t.gfp[i], failed);
                default -> pageFree(cpu, t.ptr[i]);
            }
            counts[t.nameIndex[i]]++;
            if (++sinceAdvance == ADVANCE_EVERY) {
                kernel.advance(sinceAdvance);
                sinceAdvance = 0;
            }
        }
        if (sinceAdvance > 0) {
            kernel.advance(sinceAdvance);
        }
        for (int n = 0; n < counts.length; n++) {
            replayed.merge(t.names.get(n), counts[n], Long::sum);
        }
        t.skipped.forEach((k, v) -> skipped.merge(k, v, Long::sum));
        events += t.events;
        return this;
    }

    /** The machine's CPU for each CPU number the trace uses: n mod cpus. */
    private int[] cpusFor(CompiledKmemTrace t) {
        int max = 0;
        for (int i = 0; i < t.length; i++) {
            max = Math.max(max, t.cpu[i]);
        }
        int n = kernel.cpus();
        if (max >= n) {
            cpusFolded = true;
        }
        int[] out = new int[max + 1];
        for (int c = 0; c <= max; c++) {
            out[c] = c % n;
        }
        return out;
    }

    /**
     * kmem_cache_create for each of the trace's caches this replay has not made yet.
     *
     * @return for each of the trace's caches, its {@link KernelCalls} handle
     */
    private int[] cachesFor(CompiledKmemTrace t) {
        int[] out = new int[t.cacheNames.size()];
        for (int c = 0; c < out.length; c++) {
            int objectSize = t.cacheSizes[c];
            out[c] = cacheIds.computeIfAbsent(t.cacheNames.get(c), name -> kernel.kmemCacheCreate(name, objectSize, 0, 0));
        }
        return out;
    }

    /**
     * Gives back everything the trace left allocated (objects, then pages), on CPU 0, as if the trace
     * went on to free it; the caches made for the trace stay, so a replay that starts again finds the
     * machine as the first one left it. Counts are kept.
     *
     * @return how many objects and blocks were freed
     */
    public long releaseAll() {
        long n = kmallocs.size() + objects.size() + pageBlocks.size();
        kmallocs.drain((tracePtr, p) -> kernel.kfree(0, p, RELEASE_SITE));
        LongLongMap cacheOf = objectCaches;
        objects.drain((tracePtr, p) -> kernel.kmemCacheFree(0, (int) cacheOf.get(tracePtr, 0), p, RELEASE_SITE));
        objectCaches.drain((k, v) -> { });
        LongLongMap orders = pageOrders;
        pageBlocks.drain((tracePfn, pfn) -> kernel.freePages(0, pfn, (int) orders.get(tracePfn, 0)));
        pageOrders.drain((k, v) -> { });
        return n;
    }

    /** @return what was replayed and what could not be placed, so far */
    public ReplayReport report() {
        long live = kmallocs.size() + objects.size() + pageBlocks.size();
        return new ReplayReport(events, replayed, skipped, unmatchedFrees, lostFrees, failedInTrace, failedHere, live, cpusFolded);
    }

    private void kmalloc(int cpu, long tracePtr, long size, int gfp, String site, boolean failed) {
        long p = kernel.kmalloc(cpu, size, gfp, site);
        if (failed) {
            failedInTrace++;
            if (p != 0) {
                kernel.kfree(cpu, p, site);
            }
            return;
        }
        if (p == 0) {
            failedHere++;
            return;
        }
        if (touch) {
            Touch.object(kernel, cpu, p, size);
        }
        long old = kmallocs.put(tracePtr, p, NONE);
        if (old != NONE) {
            lostFrees++;
            kernel.kfree(cpu, old, site);
        }
    }

    private void kfree(int cpu, long tracePtr, String site) {
        if (tracePtr == 0) {
            kernel.kfree(cpu, 0, site); // kfree(NULL): a no-op the kernel traces too
            return;
        }
        long p = kmallocs.remove(tracePtr, NONE);
        if (p == NONE) {
            unmatchedFrees++;
            return;
        }
        kernel.kfree(cpu, p, site);
    }

    private void cacheAlloc(int cpu, int cache, int objectSize, long tracePtr, int gfp, String site, boolean failed) {
        long p = kernel.kmemCacheAlloc(cpu, cache, gfp, site);
        if (failed) {
            failedInTrace++;
            if (p != 0) {
                kernel.kmemCacheFree(cpu, cache, p, site);
            }
            return;
        }
        if (p == 0) {
            failedHere++;
            return;
        }
        if (touch) {
            Touch.object(kernel, cpu, p, objectSize);
        }
        long old = objects.put(tracePtr, p, NONE);
        long oldCache = objectCaches.put(tracePtr, cache, NONE);
        if (old != NONE) {
            lostFrees++;
            kernel.kmemCacheFree(cpu, (int) oldCache, old, site);
        }
    }

    private void cacheFree(int cpu, long tracePtr, String site) {
        long p = objects.remove(tracePtr, NONE);
        if (p == NONE) {
            unmatchedFrees++;
            return;
        }
        kernel.kmemCacheFree(cpu, (int) objectCaches.remove(tracePtr, 0), p, site);
    }

    private void pageAlloc(int cpu, long tracePfn, int order, int gfp, boolean failed) {
        long pfn = kernel.allocPages(cpu, gfp, order);
        if (failed) {
            failedInTrace++;
            if (pfn != PageAllocator.NO_PFN) {
                kernel.freePages(cpu, pfn, order);
            }
            return;
        }
        if (pfn == PageAllocator.NO_PFN) {
            failedHere++;
            return;
        }
        if (touch) {
            Touch.pages(kernel, cpu, pfn, order);
        }
        // Keyed by pfn + 1: pfn 0 is a frame, but 0 is the map's empty mark.
        long old = pageBlocks.put(tracePfn + 1, pfn, NONE);
        long oldOrder = pageOrders.put(tracePfn + 1, order, NONE);
        if (old != NONE) {
            lostFrees++;
            kernel.freePages(cpu, old, (int) oldOrder);
        }
    }

    private void pageFree(int cpu, long tracePfn) {
        long pfn = pageBlocks.remove(tracePfn + 1, NONE);
        if (pfn == NONE) {
            unmatchedFrees++;
            return;
        }
        kernel.freePages(cpu, pfn, (int) pageOrders.remove(tracePfn + 1, 0));
    }
}
