package org.kmemu.core.trace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link KmemProbe} that counts what allocator studies measure: for each call site, the bytes
 * asked and the bytes given by kmalloc and kmem_cache_alloc (their difference is the internal
 * fragmentation that kmem-probe-framework's per-callsite report calls waste), the calls and the
 * failures; and the page allocator's blocks allocated and freed per order.
 *
 * <p>Each CPU counts into its own {@code CpuCounts}, written only by that CPU's thread (tracepoints
 * fire on the CPU that allocates), so counting takes no lock and shares no cache line; a
 * {@link #snapshot()} adds the CPUs up. A snapshot taken while CPUs allocate may see one CPU's
 * event and not another's; taken when they are idle it is exact.
 */
public final class KmemMetrics implements KmemProbe {
    /** Orders counted apart; a larger block (none of the shipped allocators gives one) counts in the last. */
    public static final int ORDERS = 16;

    private final CpuCounts[] cpus;

    /** @param cpus the machine's CPU count */
    public KmemMetrics(int cpus) {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus: " + cpus + " (expected: at least 1)");
        }
        this.cpus = new CpuCounts[cpus];
        for (int i = 0; i < cpus; i++) {
            this.cpus[i] = new CpuCounts();
        }
    }

    /** One CPU's counts. Padding is unnecessary: each CpuCounts is its own object, allocated apart. */
    private static final class CpuCounts {
        final long[] pageAllocs = new long[ORDERS];
        final long[] pageFrees = new long[ORDERS];
        long kfrees;
        long cacheFrees;
        long fallbacks;
        long fragmentingFallbacks;
        // Read by snapshots on other threads: a concurrent map, so that one CPU adding a site never
        // breaks a reader's walk. Sites are few (hundreds in a boot trace); lookups are the fast path.
        final Map<String, long[]> sites = new ConcurrentHashMap<>();
    }

    // Per-site counters, in one long[] per (CPU, site).
    private static final int KMALLOCS = 0;
    private static final int CACHE_ALLOCS = 1;
    private static final int FAILURES = 2;
    private static final int BYTES_REQ = 3;
    private static final int BYTES_ALLOC = 4;
    private static final int SITE_WORDS = 5;

    @Override
    public void mmPageAlloc(int cpu, long nanos, String comm, int pid, long page, long pfn, int order, int migratetype,
                            int gfp) {
        cpus[cpu].pageAllocs[Math.min(order, ORDERS - 1)]++;
    }

    /** Counts every fallback, and apart those that mix a pageblock (the kernel's {@code fragmenting}). */
    @Override
    public void mmPageAllocExtfrag(int cpu, long nanos, String comm, int pid, long page, long pfn, int allocOrder,
                                   int fallbackOrder, int pageblockOrder, int allocMigratetype, int fallbackMigratetype,
                                   boolean changeOwnership) {
        CpuCounts c = cpus[cpu];
        c.fallbacks++;
        if (fallbackOrder < pageblockOrder) {
            c.fragmentingFallbacks++;
        }
    }

    @Override
    public void mmPageFree(int cpu, long nanos, String comm, int pid, long page, long pfn, int order) {
        cpus[cpu].pageFrees[Math.min(order, ORDERS - 1)]++;
    }

    @Override
    public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq, long bytesAlloc,
                        int gfp) {
        count(cpus[cpu], KMALLOCS, callSite, ptr, bytesReq, bytesAlloc);
    }

    @Override
    public void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                               long bytesAlloc, int gfp) {
        count(cpus[cpu], CACHE_ALLOCS, callSite, ptr, bytesReq, bytesAlloc);
    }

    private static void count(CpuCounts c, int kind, String callSite, long ptr, long bytesReq, long bytesAlloc) {
        String site = callSite == null ? "(null)" : callSite; // a caller that names no site still counts
        long[] s = c.sites.get(site);
        if (s == null) {
            s = new long[SITE_WORDS];
            c.sites.put(site, s);
        }
        s[kind]++;
        if (ptr == 0) {
            // A failed allocation gave nothing: kmem-probe counts neither its request nor a size.
            s[FAILURES]++;
            return;
        }
        s[BYTES_REQ] += bytesReq;
        s[BYTES_ALLOC] += bytesAlloc;
    }

    @Override
    public void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        cpus[cpu].kfrees++;
    }

    @Override
    public void kmemCacheFree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        cpus[cpu].cacheFrees++;
    }

    /**
     * One call site's allocations.
     *
     * @param callSite    the caller, as the trace prints it
     * @param kmallocs    kmalloc calls from it, failed ones included
     * @param cacheAllocs kmem_cache_alloc calls from it, failed ones included
     * @param failures    calls that returned NULL
     * @param bytesReq    bytes asked by the calls that succeeded
     * @param bytesAlloc  bytes given to them
     */
    public record CallSite(String callSite, long kmallocs, long cacheAllocs, long failures, long bytesReq, long bytesAlloc) {
        /** @return calls of either kind */
        public long hits() {
            return kmallocs + cacheAllocs;
        }

        /** @return bytes given but not asked for: the internal fragmentation of this site */
        public long waste() {
            return bytesAlloc - bytesReq;
        }
    }

    /**
     * The counts over every CPU.
     *
     * @param callSites  per call site, most waste first (then by name)
     * @param pageAllocs page-allocator blocks allocated, per order (the last entry counts every larger order too)
     * @param pageFrees  blocks freed, per order
     * @param kfrees     kfree calls, NULL included
     * @param cacheFrees kmem_cache_free calls
     * @param fallbacks  page allocations served from another migrate type's free lists (mm_page_alloc_extfrag)
     * @param fragmentingFallbacks those whose block was smaller than a pageblock, leaving it mixed
     */
    public record Snapshot(List<CallSite> callSites, long[] pageAllocs, long[] pageFrees, long kfrees, long cacheFrees,
                           long fallbacks, long fragmentingFallbacks) {
        /** @return the sum over call sites */
        public CallSite total() {
            long k = 0;
            long c = 0;
            long f = 0;
            long req = 0;
            long alloc = 0;
            for (CallSite s : callSites) {
                k += s.kmallocs();
                c += s.cacheAllocs();
                f += s.failures();
                req += s.bytesReq();
                alloc += s.bytesAlloc();
            }
            return new CallSite("total", k, c, f, req, alloc);
        }

        /**
         * @param callSite a caller
         * @return its counts, all zero if it never allocated
         */
        public CallSite callSite(String callSite) {
            for (CallSite s : callSites) {
                if (s.callSite().equals(callSite)) {
                    return s;
                }
            }
            return new CallSite(callSite, 0, 0, 0, 0, 0);
        }
    }

    /** @return the counts so far, added up over the CPUs */
    public Snapshot snapshot() {
        long[] allocs = new long[ORDERS];
        long[] frees = new long[ORDERS];
        long kfrees = 0;
        long cacheFrees = 0;
        long fallbacks = 0;
        long fragmenting = 0;
        Map<String, long[]> sites = new HashMap<>();
        for (CpuCounts c : cpus) {
            for (int o = 0; o < ORDERS; o++) {
                allocs[o] += c.pageAllocs[o];
                frees[o] += c.pageFrees[o];
            }
            kfrees += c.kfrees;
            cacheFrees += c.cacheFrees;
            fallbacks += c.fallbacks;
            fragmenting += c.fragmentingFallbacks;
            c.sites.forEach((site, counts) -> {
                long[] sum = sites.computeIfAbsent(site, s -> new long[SITE_WORDS]);
                for (int i = 0; i < SITE_WORDS; i++) {
                    sum[i] += counts[i];
                }
            });
        }
        List<CallSite> out = new ArrayList<>(sites.size());
        sites.forEach((site, s) -> out.add(new CallSite(site, s[KMALLOCS], s[CACHE_ALLOCS], s[FAILURES], s[BYTES_REQ],
                s[BYTES_ALLOC])));
        out.sort(Comparator.comparingLong(CallSite::waste).reversed().thenComparing(CallSite::callSite));
        return new Snapshot(List.copyOf(out), allocs, frees, kfrees, cacheFrees, fallbacks, fragmenting);
    }

    /** Starts counting again from zero. Call it while no CPU allocates. */
    public void reset() {
        for (CpuCounts c : cpus) {
            Arrays.fill(c.pageAllocs, 0);
            Arrays.fill(c.pageFrees, 0);
            c.kfrees = 0;
            c.cacheFrees = 0;
            c.fallbacks = 0;
            c.fragmentingFallbacks = 0;
            c.sites.clear();
        }
    }
}
