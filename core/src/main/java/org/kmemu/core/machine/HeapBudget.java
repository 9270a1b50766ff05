package org.kmemu.core.machine;

import java.util.List;
import org.kmemu.core.mm.PageFrames;

/**
 * How much Java heap a machine needs, estimated before boot from the RAM it will have, so that a
 * machine too big for the JVM is refused with one line instead of an {@link OutOfMemoryError} halfway
 * through boot or a workload.
 *
 * <h2>What a machine costs</h2>
 * <ul>
 *   <li><b>struct page</b>: {@value #STRUCT_PAGE_BYTES} bytes per frame of every section that holds RAM
 *       once every section has had a page handed out (flags 4, word 8, refcount 4, mapcount 4, the
 *       buddy's block state 1: {@code kmemu memmap --populate}). Boot alone makes 13 of them; the
 *       estimate takes the machine used all over, so that a workload does not run out later.</li>
 *   <li><b>the collector's headroom</b>: a heap full to the last byte does not run, G1 needs free regions to
 *       copy into; measured, the smallest {@code -Xmx} that boots and populates a machine is about 5/4 of
 *       its struct page arrays plus a fixed part (below), so the arrays are counted 5/4 times.</li>
 *   <li><b>RAM</b> ({@link org.kmemu.core.mm.PhysicalMemory}) is backed in 2 MiB chunks on first write;
 *       boot writes two or three (page tables, the first slabs), each a G1 humongous object of 3 MiB of
 *       heap at 1 MiB regions. A workload's chunks are the workload's: not estimated.</li>
 *   <li><b>per CPU</b>: TLB arrays, per-CPU lists and slabs, kmap slots: about 10 KiB measured, counted
 *       as {@value #PER_CPU_BYTES} bytes. The trace rings (3.5 MiB per CPU) exist only once tracing is
 *       enabled: not estimated.</li>
 *   <li><b>fixed</b>: the JVM's own objects, the config, PF4J and the plugins, the kmalloc caches, the boot
 *       chunks: 12-15 MiB measured, counted as {@value #FIXED_BYTES} bytes.</li>
 * </ul>
 *
 * <h2>Measured</h2>
 * JDK 17, G1, {@code Runtime} used heap after GC before and after {@code Kmemu.boot} and after
 * {@code populateAll}, and the smallest {@code -Xmx} (within 4-8 MiB) with which
 * {@code ./kmemu memmap --populate} completes:
 * <pre>
 * machine               frames    boot   populated  smallest -Xmx   estimate
 * x86_64 1G             262144   16.6M     18.6M        20M            39M
 * booke-e500 (2G)       524288   15.9M     20.0M        23M            46M
 * i386-highmem (4G)    1048576   22.2M     30.3M        35M            59M
 * i386-pae (8G)        2097152   37.6M     54.0M        61M            85M
 * x86_64 (8G)          2097152   39.2M     55.8M        65M            85M
 * x86_64 16G           4194304   66.3M     99.7M       121M           138M
 * x86_64 64G          16777216  222.4M    356.4M       417M           453M
 * x86_64 256G         67108864  847.4M   1383.9M          -           1.7G
 * </pre>
 * 2, 8 or 64 CPUs changed the boot figure by under 1 MiB.
 *
 * <p>A third party's page-allocator policy may keep more per frame than the buddy (the api's
 * {@code ZoneWords}, 8 bytes per frame, for a policy lent no page words): the estimate is the shipped
 * policies'. Where it is too low anyway, the command line catches the {@link OutOfMemoryError} and says
 * the same in one line.
 */
public final class HeapBudget {
    /** Bytes of struct page per frame with every section's lazy fields made ({@code kmemu memmap --populate}). */
    public static final int STRUCT_PAGE_BYTES = 21;
    /** The JVM's, the config's, the plugins', boot's few RAM chunks: measured 12-15 MiB, doubled. */
    public static final long FIXED_BYTES = 32L << 20;
    /** Per-CPU structures: measured about 10 KiB a CPU. */
    public static final long PER_CPU_BYTES = 64L << 10;
    /** The system property that turns the check off ({@code -Dkmemu.heap.check=false}). */
    public static final String CHECK_PROPERTY = "kmemu.heap.check";

    private final long frames;
    private final int cpus;

    private HeapBudget(long frames, int cpus) {
        this.frames = frames;
        this.cpus = cpus;
    }

    /**
     * @param memoryPfns the RAM in page frames, each {start, end}, as {@link PageFrames} will get it
     * @param cpus       the number of CPUs
     * @return the budget of a machine with a struct page for every frame of every section that holds RAM
     */
    public static HeapBudget of(List<long[]> memoryPfns, int cpus) {
        // Sections of SPARSEMEM: one section's struct pages exist as soon as any of its frames is RAM,
        // as PageFrames makes them (and as sparse_init does, mm/sparse.c).
        java.util.BitSet sections = new java.util.BitSet();
        long n = 0;
        for (long[] r : memoryPfns) {
            for (long s = r[0] >>> PageFrames.SECTION_SHIFT; s < (r[1] + PageFrames.PAGES_PER_SECTION - 1) >>> PageFrames.SECTION_SHIFT; s++) {
                if (!sections.get((int) s)) {
                    sections.set((int) s);
                    n += PageFrames.PAGES_PER_SECTION;
                }
            }
        }
        return new HeapBudget(n, cpus);
    }

    /** @return the frames that get a struct page */
    public long frames() {
        return frames;
    }

    /** @return the estimated heap, in bytes */
    public long neededBytes() {
        return FIXED_BYTES + frames * STRUCT_PAGE_BYTES * 5 / 4 + cpus * PER_CPU_BYTES;
    }

    /**
     * Refuses the machine when this JVM's heap is smaller than the estimate, unless
     * {@code -Dkmemu.heap.check=false}.
     *
     * @param origin where the machine's memory was configured ({@code file:line})
     * @throws HeapTooSmallException naming what the machine needs, what the JVM has and how to give more
     */
    public void check(String origin) {
        if ("false".equals(System.getProperty(CHECK_PROPERTY))) {
            return;
        }
        check(origin, Runtime.getRuntime().maxMemory());
    }

    /**
     * @param origin       where the machine's memory was configured
     * @param maxHeapBytes the JVM's {@code Runtime.maxMemory()}
     * @throws HeapTooSmallException when the estimate is above maxHeapBytes
     */
    void check(String origin, long maxHeapBytes) {
        long needed = neededBytes();
        if (maxHeapBytes >= needed) {
            return;
        }
        String xmx = xmx(needed);
        throw new HeapTooSmallException(String.format("%s: kmemu.memory: this machine needs about %s of Java heap (struct"
                + " pages for %d frames, %d bytes each, and the garbage collector's headroom), but this JVM has %s: give it"
                + " more with KMEMU_JAVA_OPTS=%s ./kmemu ... (java %s when embedding)", origin, size(needed), frames,
                STRUCT_PAGE_BYTES, size(maxHeapBytes), xmx, xmx), needed, maxHeapBytes);
    }

    /**
     * @param bytes a heap size
     * @return the {@code -Xmx} option that gives at least that much: whole GiB from 1 GiB up, else a
     *         multiple of 64 MiB, e.g. {@code -Xmx192m}, {@code -Xmx7g}
     */
    public static String xmx(long bytes) {
        if (bytes > 1L << 30) {
            return "-Xmx" + ((bytes + (1L << 30) - 1) >> 30) + "g";
        }
        return "-Xmx" + (((bytes + (64L << 20) - 1) >> 26) << 6) + "m";
    }

    /**
     * @param bytes a size
     * @return it in MiB below 1 GiB ({@code "96M"}, rounded up), else in GiB with one decimal ({@code "6.6G"})
     */
    public static String size(long bytes) {
        if (bytes < 1L << 30) {
            return ((bytes + (1L << 20) - 1) >> 20) + "M";
        }
        return String.format(java.util.Locale.ROOT, "%.1fG", bytes / (double) (1L << 30));
    }
}
