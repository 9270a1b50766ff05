package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.terracotta.offheapstore.storage.allocator.PowerOfTwoAllocator;

/**
 * An alloc+free pair of one block, the allocator's best case: order 0 (4 KiB) and order 3 (32 KiB)
 * on the buddy (4 GiB Normal zone, default config: order 0 hits the per-CPU list, order 3 takes the
 * zone lock and splits/merges), side by side with Terracotta's PowerOfTwoAllocator doing the
 * same-size allocate/free over a 1 GiB byte space. Linux's figure for the same pair is a few tens
 * of ns (a pcp hit in rmqueue_pcplist + free_unref_page_commit).
 */
@State(Scope.Thread)
public class PairBench extends BenchBase {
    private PageAllocator buddy;
    private PageAllocator buddyOwnWords;
    private PowerOfTwoAllocator peer;

    /** Boots both allocators. */
    @Setup(Level.Trial)
    public void setUp() {
        buddy = BenchMachine.buddy(1L << 20);
        buddyOwnWords = BenchMachine.buddy(1L << 20, false);
        peer = new PowerOfTwoAllocator(1 << 30);
    }

    /** @return the page, so that the JIT keeps the work */
    @Benchmark
    public long buddyOrder0Pair() {
        long pfn = buddy.allocPages(0, Gfp.GFP_KERNEL, 0);
        buddy.freePages(0, pfn, 0);
        return pfn;
    }

    /**
     * The same pair on a buddy that keeps its list links in words of its own instead of the machine's
     * struct page: the peer that shows what threading the lists through struct page costs.
     *
     * @return the page
     */
    @Benchmark
    public long buddyOrder0PairOwnWords() {
        long pfn = buddyOwnWords.allocPages(0, Gfp.GFP_KERNEL, 0);
        buddyOwnWords.freePages(0, pfn, 0);
        return pfn;
    }

    /** @return the block */
    @Benchmark
    public long buddyOrder3Pair() {
        long pfn = buddy.allocPages(0, Gfp.GFP_KERNEL, 3);
        buddy.freePages(0, pfn, 3);
        return pfn;
    }

    /** @return the address */
    @Benchmark
    public int peer4kPair() {
        int address = peer.allocate(4096, PowerOfTwoAllocator.Packing.FLOOR);
        peer.free(address, 4096);
        return address;
    }

    /** @return the address */
    @Benchmark
    public int peer32kPair() {
        int address = peer.allocate(32768, PowerOfTwoAllocator.Packing.FLOOR);
        peer.free(address, 32768);
        return address;
    }
}
