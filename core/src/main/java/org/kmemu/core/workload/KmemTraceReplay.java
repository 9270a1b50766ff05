package org.kmemu.core.workload;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

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
 */
public final class KmemTraceReplay {
    /** Which events a replay acts on. */
    public enum Mode {
        /** Object allocator events; page events skipped. */
        OBJECTS,
        /** Page allocator events; object events skipped. */
        PAGES
    }

    private final Machine machine;
    private final SlabLayer slab;
    private final PageApi pages;
    private final Mode mode;
    private final Map<Long, Long> kmallocs = new HashMap<>();
    private final Map<Long, CacheObject> objects = new HashMap<>();
    private final Map<String, SlabCache> caches = new HashMap<>();
    private final Map<Long, long[]> pageBlocks = new HashMap<>();
    private final Map<String, Long> replayed = new HashMap<>();
    private final Map<String, Long> skipped = new HashMap<>();
    private long events;
    private long unmatchedFrees;
    private long lostFrees;
    private long failedInTrace;
    private long failedHere;
    private boolean cpusFolded;

    private record CacheObject(long ptr, SlabCache cache) {
    }

    /**
     * @param machine a booted machine
     * @param mode    which events to replay
     */
    public KmemTraceReplay(Machine machine, Mode mode) {
        this.machine = machine;
        this.slab = machine.kernel().slab();
        this.pages = machine.kernel().pages();
        this.mode = mode;
    }

    /**
     * Replays the events in order; may be called again with the trace's next events.
     *
     * @param trace the events
     * @return this replay
     * @throws TraceFormatException for an event with a missing or malformed field, naming its line
     */
    public KmemTraceReplay replay(List<FtraceEvent> trace) {
        for (FtraceEvent e : trace) {
            events++;
            if (!replay(e)) {
                skipped.merge(e.name(), 1L, Long::sum);
            } else {
                replayed.merge(e.name(), 1L, Long::sum);
            }
        }
        return this;
    }

    /** @return what was replayed and what could not be placed, so far */
    public ReplayReport report() {
        long live = kmallocs.size() + objects.size() + pageBlocks.size();
        return new ReplayReport(events, replayed, skipped, unmatchedFrees, lostFrees, failedInTrace, failedHere, live, cpusFolded);
    }

    private boolean replay(FtraceEvent e) {
        String name = e.name();
        if (mode == Mode.OBJECTS) {
            switch (name) {
                case "kmalloc", "kmalloc_node" -> kmalloc(e);
                case "kfree" -> kfree(e);
                case "kmem_cache_alloc", "kmem_cache_alloc_node" -> cacheAlloc(e);
                case "kmem_cache_free" -> cacheFree(e);
                default -> {
                    return false;
                }
            }
            return true;
        }
        switch (name) {
            case "mm_page_alloc" -> pageAlloc(e);
            case "mm_page_free", "mm_page_free_direct", "mm_page_free_batched" -> pageFree(e);
            default -> {
                return false;
            }
        }
        return true;
    }

    private Cpu cpu(FtraceEvent e) {
        int n = machine.cpus();
        if (e.cpu() >= n) {
            cpusFolded = true;
        }
        return machine.mmu().cpu(Math.floorMod(e.cpu(), n));
    }

    private void kmalloc(FtraceEvent e) {
        Cpu cpu = cpu(e);
        long tracePtr = e.hex("ptr");
        String site = e.field("call_site");
        long p = slab.kmalloc(cpu, e.decimal("bytes_req"), TraceGfp.parse(e.field("gfp_flags"), e.line()), site);
        if (tracePtr == 0) {
            failedInTrace++;
            if (p != 0) {
                slab.kfree(cpu, p, site);
            }
            return;
        }
        if (p == 0) {
            failedHere++;
            return;
        }
        Long old = kmallocs.put(tracePtr, p);
        if (old != null) {
            lostFrees++;
            slab.kfree(cpu, old, site);
        }
    }

    private void kfree(FtraceEvent e) {
        Cpu cpu = cpu(e);
        long tracePtr = e.hex("ptr");
        String site = e.field("call_site");
        if (tracePtr == 0) {
            slab.kfree(cpu, 0, site); // kfree(NULL): a no-op the kernel traces too
            return;
        }
        Long p = kmallocs.remove(tracePtr);
        if (p == null) {
            unmatchedFrees++;
            return;
        }
        slab.kfree(cpu, p, site);
    }

    private void cacheAlloc(FtraceEvent e) {
        Cpu cpu = cpu(e);
        long size = e.decimal("bytes_req");
        String cacheName = e.has("name") ? e.field("name") : "trace-" + size;
        SlabCache cache = caches.computeIfAbsent(cacheName, n -> slab.kmemCacheCreate(n, (int) size, 0, 0, null));
        long tracePtr = e.hex("ptr");
        String site = e.field("call_site");
        long p = slab.kmemCacheAlloc(cpu, cache, TraceGfp.parse(e.field("gfp_flags"), e.line()), site);
        if (tracePtr == 0) {
            failedInTrace++;
            if (p != 0) {
                slab.kmemCacheFree(cpu, cache, p, site);
            }
            return;
        }
        if (p == 0) {
            failedHere++;
            return;
        }
        CacheObject old = objects.put(tracePtr, new CacheObject(p, cache));
        if (old != null) {
            lostFrees++;
            slab.kmemCacheFree(cpu, old.cache(), old.ptr(), site);
        }
    }

    private void cacheFree(FtraceEvent e) {
        Cpu cpu = cpu(e);
        CacheObject o = objects.remove(e.hex("ptr"));
        if (o == null) {
            unmatchedFrees++;
            return;
        }
        slab.kmemCacheFree(cpu, o.cache(), o.ptr(), e.field("call_site"));
    }

    private void pageAlloc(FtraceEvent e) {
        Cpu cpu = cpu(e);
        int order = (int) e.decimal("order");
        long pfn = pages.allocPages(cpu, TraceGfp.parse(e.field("gfp_flags"), e.line()), order);
        // 6.x traces a failed __alloc_pages too, with a NULL page (mm/page_alloc.c, include/trace/events/kmem.h).
        if (e.has("page") && e.hex("page") == 0) {
            failedInTrace++;
            if (pfn != PageAllocator.NO_PFN) {
                pages.freePages(cpu, pfn, order);
            }
            return;
        }
        if (pfn == PageAllocator.NO_PFN) {
            failedHere++;
            return;
        }
        long[] old = pageBlocks.put(e.pfn(), new long[] {pfn, order});
        if (old != null) {
            lostFrees++;
            pages.freePages(cpu, old[0], (int) old[1]);
        }
    }

    private void pageFree(FtraceEvent e) {
        Cpu cpu = cpu(e);
        long[] block = pageBlocks.remove(e.pfn());
        if (block == null) {
            unmatchedFrees++;
            return;
        }
        pages.freePages(cpu, block[0], (int) block[1]);
    }
}
