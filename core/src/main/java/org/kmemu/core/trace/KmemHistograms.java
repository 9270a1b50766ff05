package org.kmemu.core.trace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link KmemProbe} that keeps histograms in the spirit of ftrace's hist triggers
 * (kernel/trace/trace_events_hist.c; {@code echo 'hist:keys=bytes_req.log2' > events/kmem/kmalloc/trigger}):
 * the distributions allocator studies plot, each one key of one event:
 * <ul>
 *   <li>{@code bytes_req} and {@code bytes_alloc}: log2 buckets of the sizes asked and given by kmalloc and
 *       kmem_cache_alloc (successful calls; a cache allocation counts its object and slot sizes);</li>
 *   <li>{@code page_order}: mm_page_alloc's {@code order}, one bucket per order;</li>
 *   <li>{@code vmalloc_size}: log2 buckets of alloc_vmap_area's {@code size} (areas found; guard page
 *       included, as the event prints it);</li>
 *   <li>{@code tlb_flush_pages}: log2 buckets of tlb_flush's {@code pages} for range flushes (a flush of
 *       everything, pages -1, is counted by {@link KmemMetrics}, not here);</li>
 *   <li>{@code walk_levels}: kmemu:tlb_miss's {@code levels}, one bucket per level count (0: refilled
 *       without a walk).</li>
 * </ul>
 * A log2 bucket {@code b} holds the values v with {@code ilog2(roundup_pow_of_two(v)) == b}, as ftrace's
 * {@code .log2} modifier computes the key: (2^(b-1), 2^b], with 0 and 1 in bucket 0; ftrace prints it as
 * {@code ~ 2^b}.
 *
 * <p>Each CPU counts into its own arrays, written only by that CPU's thread (tracepoints fire on the CPU
 * that runs the code): no lock, no allocation per event. {@link #snapshot()} adds the CPUs up; taken while
 * CPUs run it may miss their latest events, taken when they are idle it is exact.
 */
public final class KmemHistograms implements KmemProbe {
    /** Log2 buckets: 0..64 (a 64-bit value's ceiling log2 is at most 64). */
    public static final int LOG2_BUCKETS = 65;

    /** The histograms, in the order {@link #snapshot()} lists them. */
    public static final List<String> NAMES = List.of("bytes_req", "bytes_alloc", "page_order", "vmalloc_size",
            "tlb_flush_pages", "walk_levels");

    private static final int BYTES_REQ = 0;
    private static final int BYTES_ALLOC = 1;
    private static final int PAGE_ORDER = 2;
    private static final int VMALLOC_SIZE = 3;
    private static final int TLB_FLUSH_PAGES = 4;
    private static final int WALK_LEVELS = 5;

    /** Linear buckets of page_order (orders above the last count in it, as KmemMetrics does). */
    private static final int ORDER_BUCKETS = KmemMetrics.ORDERS;
    /** Linear buckets of walk_levels: five-level paging reads 5; more counts in the last. */
    private static final int LEVEL_BUCKETS = 8;

    private static final int[] SIZES = {LOG2_BUCKETS, LOG2_BUCKETS, ORDER_BUCKETS, LOG2_BUCKETS, LOG2_BUCKETS,
        LEVEL_BUCKETS};
    private static final boolean[] LOG2 = {true, true, false, true, true, false};

    /** [cpu][histogram][bucket]; each CPU's arrays are its own objects, allocated apart. */
    private final long[][][] counts;

    /** @param cpus the machine's CPU count */
    public KmemHistograms(int cpus) {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus: " + cpus + " (expected: at least 1)");
        }
        counts = new long[cpus][][];
        for (int c = 0; c < cpus; c++) {
            counts[c] = new long[SIZES.length][];
            for (int h = 0; h < SIZES.length; h++) {
                counts[c][h] = new long[SIZES[h]];
            }
        }
    }

    /**
     * ftrace's {@code .log2} key: {@code ilog2(roundup_pow_of_two(v))}, with 0 and 1 in bucket 0.
     * Worked example: 24 rounds up to 32, bucket 5; 32 is bucket 5 too; 33 is bucket 6.
     *
     * @param v a value, unsigned
     * @return its bucket, 0..64
     */
    public static int log2Bucket(long v) {
        return Long.compareUnsigned(v, 1) <= 0 ? 0 : 64 - Long.numberOfLeadingZeros(v - 1);
    }

    private static void linear(long[] h, int v) {
        h[v < 0 ? 0 : Math.min(v, h.length - 1)]++;
    }

    @Override
    public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                        long bytesAlloc, int gfp) {
        sizes(cpu, ptr, bytesReq, bytesAlloc);
    }

    @Override
    public void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                               long bytesAlloc, int gfp) {
        sizes(cpu, ptr, bytesReq, bytesAlloc);
    }

    private void sizes(int cpu, long ptr, long bytesReq, long bytesAlloc) {
        if (ptr == 0) {
            return; // a failed allocation gave no size
        }
        long[][] h = counts[cpu];
        h[BYTES_REQ][log2Bucket(bytesReq)]++;
        h[BYTES_ALLOC][log2Bucket(bytesAlloc)]++;
    }

    @Override
    public void mmPageAlloc(int cpu, long nanos, String comm, int pid, long page, long pfn, int order, int migratetype,
                            int gfp) {
        linear(counts[cpu][PAGE_ORDER], order);
    }

    @Override
    public void allocVmapArea(int cpu, long nanos, String comm, int pid, long addr, long size, long align, long vstart,
                              long vend, boolean failed) {
        if (!failed) {
            counts[cpu][VMALLOC_SIZE][log2Bucket(size)]++;
        }
    }

    @Override
    public void tlbFlush(int cpu, long nanos, String comm, int pid, int reason, long pages) {
        if (pages != TlbFlushReason.FLUSH_ALL) {
            counts[cpu][TLB_FLUSH_PAGES][log2Bucket(pages)]++;
        }
    }

    @Override
    public void tlbMiss(int cpu, long nanos, String comm, int pid, long address, int access, int levels, boolean fault) {
        linear(counts[cpu][WALK_LEVELS], levels);
    }

    /**
     * One histogram, added up over the CPUs.
     *
     * @param name   its name, one of {@link #NAMES}
     * @param log2   whether bucket {@code b} holds (2^(b-1), 2^b] (else the value b itself)
     * @param counts hits per bucket
     */
    public record Histogram(String name, boolean log2, long[] counts) {
        /** @return hits in every bucket */
        public long hits() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }

        /**
         * As ftrace's {@code hist} file prints a one-key histogram sorted by key: one line per bucket that
         * has hits ({@code { bytes_req: ~ 2^5       } hitcount:         12}), then the totals.
         *
         * @param event the event it keys on, for the trigger line
         * @return the text
         */
        public String render(String event) {
            StringBuilder out = new StringBuilder();
            String key = name + (log2 ? ".log2" : "");
            out.append("# event histogram\n#\n# trigger info: hist:keys=").append(key).append(":vals=hitcount:sort=")
                    .append(key).append(":size=2048 [active]\n# event: ").append(event).append("\n#\n\n");
            int entries = 0;
            for (int b = 0; b < counts.length; b++) {
                if (counts[b] == 0) {
                    continue;
                }
                entries++;
                String k = log2 ? "~ 2^" + b : Integer.toString(b);
                out.append("{ ").append(name).append(": ").append(k);
                for (int i = k.length(); i < 10; i++) {
                    out.append(' ');
                }
                out.append(" } hitcount: ");
                String n = Long.toString(counts[b]);
                for (int i = n.length(); i < 10; i++) {
                    out.append(' ');
                }
                out.append(n).append('\n');
            }
            out.append("\nTotals:\n    Hits: ").append(hits()).append("\n    Entries: ").append(entries)
                    .append("\n    Dropped: 0\n");
            return out.toString();
        }
    }

    /** The event each histogram keys on, for {@link Histogram#render}. */
    public static final List<String> EVENTS = List.of("kmem:kmalloc,kmem:kmem_cache_alloc", "kmem:kmalloc,kmem:kmem_cache_alloc",
            "kmem:mm_page_alloc", "vmalloc:alloc_vmap_area", "tlb:tlb_flush", "kmemu:tlb_miss");

    /** @return every histogram, in {@link #NAMES} order, added up over the CPUs */
    public List<Histogram> snapshot() {
        List<Histogram> out = new ArrayList<>(SIZES.length);
        for (int h = 0; h < SIZES.length; h++) {
            long[] sum = new long[SIZES[h]];
            for (long[][] cpu : counts) {
                for (int b = 0; b < sum.length; b++) {
                    sum[b] += cpu[h][b];
                }
            }
            out.add(new Histogram(NAMES.get(h), LOG2[h], sum));
        }
        return List.copyOf(out);
    }

    /** Starts counting again from zero. Call it while no CPU runs. */
    public void reset() {
        for (long[][] cpu : counts) {
            for (long[] h : cpu) {
                Arrays.fill(h, 0);
            }
        }
    }
}
