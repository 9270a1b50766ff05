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
 * failures; the page allocator's blocks allocated and freed per order; and the other memory events as
 * counts ({@link Events}): vmalloc areas, bytes, frees and purges, kmaps, TLB flushes by reason with their
 * pages, page faults in user and kernel mode, TLB misses with the levels their walks read.
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
        final long[] ev = new long[EVENT_WORDS];
        final long[] flushes = new long[TlbFlushReason.COUNT];
        final long[] fullFlushes = new long[TlbFlushReason.COUNT];
        final long[] flushPages = new long[TlbFlushReason.COUNT];
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

    // Event counters, in one long[] per CPU.
    private static final int VMAP_AREAS = 0;
    private static final int VMAP_FAILURES = 1;
    private static final int VMAP_BYTES = 2;
    private static final int VMAP_LAZY_FREES = 3;
    private static final int VMAP_PURGES = 4;
    private static final int VMAP_PURGED_AREAS = 5;
    private static final int KMAPS = 6;
    private static final int KMAPS_HIGH = 7;
    private static final int KUNMAPS = 8;
    private static final int FAULTS_USER = 9;
    private static final int FAULTS_KERNEL = 10;
    private static final int TLB_MISSES = 11;
    private static final int TLB_MISS_WALKS = 12;
    private static final int WALK_LEVELS = 13;
    private static final int EVENT_WORDS = 14;

    @Override
    public void allocVmapArea(int cpu, long nanos, String comm, int pid, long addr, long size, long align, long vstart,
                              long vend, boolean failed) {
        long[] e = cpus[cpu].ev;
        if (failed) {
            e[VMAP_FAILURES]++;
        } else {
            e[VMAP_AREAS]++;
            e[VMAP_BYTES] += size;
        }
    }

    @Override
    public void freeVmapAreaNoflush(int cpu, long nanos, String comm, int pid, long vaStart, long nrLazy, long nrLazyMax) {
        cpus[cpu].ev[VMAP_LAZY_FREES]++;
    }

    @Override
    public void purgeVmapAreaLazy(int cpu, long nanos, String comm, int pid, long start, long end, int npurged) {
        long[] e = cpus[cpu].ev;
        e[VMAP_PURGES]++;
        e[VMAP_PURGED_AREAS] += npurged;
    }

    @Override
    public void kmap(int cpu, long nanos, String comm, int pid, long pfn, long vaddr, int kind, boolean highmem) {
        long[] e = cpus[cpu].ev;
        e[KMAPS]++;
        if (highmem) {
            e[KMAPS_HIGH]++;
        }
    }

    @Override
    public void kunmap(int cpu, long nanos, String comm, int pid, long vaddr, int kind) {
        cpus[cpu].ev[KUNMAPS]++;
    }

    /** Counts each flush by its reason, and apart the pages of range flushes and the flushes of everything. */
    @Override
    public void tlbFlush(int cpu, long nanos, String comm, int pid, int reason, long pages) {
        if (reason < 0 || reason >= TlbFlushReason.COUNT) {
            return;
        }
        CpuCounts c = cpus[cpu];
        c.flushes[reason]++;
        if (pages == TlbFlushReason.FLUSH_ALL) {
            c.fullFlushes[reason]++;
        } else {
            c.flushPages[reason] += pages;
        }
    }

    @Override
    public void pageFaultUser(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
        cpus[cpu].ev[FAULTS_USER]++;
    }

    @Override
    public void pageFaultKernel(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
        cpus[cpu].ev[FAULTS_KERNEL]++;
    }

    @Override
    public void tlbMiss(int cpu, long nanos, String comm, int pid, long address, int access, int levels, boolean fault) {
        long[] e = cpus[cpu].ev;
        e[TLB_MISSES]++;
        if (levels > 0) {
            e[TLB_MISS_WALKS]++;
            e[WALK_LEVELS] += levels;
        }
    }

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
     * @param events     the other memory events' counts
     */
    public record Snapshot(List<CallSite> callSites, long[] pageAllocs, long[] pageFrees, long kfrees, long cacheFrees,
                           long fallbacks, long fragmentingFallbacks, Events events) {
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

    /**
     * The counts of the memory events other than kmem's, over every CPU.
     *
     * @param vmallocAreas      vmap areas allocated (alloc_vmap_area that found room: vmalloc, vmap, ...)
     * @param vmallocFailures   alloc_vmap_area attempts that found none (a purge and a retry follow the first)
     * @param vmallocBytes      the allocated areas' sizes, guard pages included
     * @param vmallocLazyFrees  areas freed onto the lazy list (free_vmap_area_noflush)
     * @param vmallocPurges     purges (purge_vmap_area_lazy: one TLB flush each)
     * @param vmallocPurgedAreas areas those purges gave back
     * @param kmaps             kmap, kmap_local_page and kmap_atomic calls
     * @param highKmaps         those that mapped a highmem page (the others returned page_address)
     * @param kunmaps           the unmaps
     * @param tlbFlushes        tlb_flush events per reason, indexed by {@link TlbFlushReason}'s values
     * @param tlbFullFlushes    those that flushed everything (pages -1), per reason
     * @param tlbFlushPages     the pages of the others, per reason
     * @param faultsUser        page_fault_user events
     * @param faultsKernel      page_fault_kernel events
     * @param tlbMisses         kmemu:tlb_miss events (first-level misses)
     * @param tlbMissWalks      those that walked the page tables
     * @param walkLevels        levels those walks read
     */
    public record Events(long vmallocAreas, long vmallocFailures, long vmallocBytes, long vmallocLazyFrees,
                         long vmallocPurges, long vmallocPurgedAreas, long kmaps, long highKmaps, long kunmaps,
                         long[] tlbFlushes, long[] tlbFullFlushes, long[] tlbFlushPages, long faultsUser,
                         long faultsKernel, long tlbMisses, long tlbMissWalks, long walkLevels) {
        /** @return tlb_flush events of every reason */
        public long totalTlbFlushes() {
            long n = 0;
            for (long f : tlbFlushes) {
                n += f;
            }
            return n;
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
        long[] ev = new long[EVENT_WORDS];
        long[] flushes = new long[TlbFlushReason.COUNT];
        long[] full = new long[TlbFlushReason.COUNT];
        long[] pages = new long[TlbFlushReason.COUNT];
        for (CpuCounts c : cpus) {
            for (int i = 0; i < EVENT_WORDS; i++) {
                ev[i] += c.ev[i];
            }
            for (int r = 0; r < TlbFlushReason.COUNT; r++) {
                flushes[r] += c.flushes[r];
                full[r] += c.fullFlushes[r];
                pages[r] += c.flushPages[r];
            }
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
        Events events = new Events(ev[VMAP_AREAS], ev[VMAP_FAILURES], ev[VMAP_BYTES], ev[VMAP_LAZY_FREES], ev[VMAP_PURGES],
                ev[VMAP_PURGED_AREAS], ev[KMAPS], ev[KMAPS_HIGH], ev[KUNMAPS], flushes, full, pages, ev[FAULTS_USER],
                ev[FAULTS_KERNEL], ev[TLB_MISSES], ev[TLB_MISS_WALKS], ev[WALK_LEVELS]);
        return new Snapshot(List.copyOf(out), allocs, frees, kfrees, cacheFrees, fallbacks, fragmenting, events);
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
            Arrays.fill(c.ev, 0);
            Arrays.fill(c.flushes, 0);
            Arrays.fill(c.fullFlushes, 0);
            Arrays.fill(c.flushPages, 0);
            c.sites.clear();
        }
    }
}
