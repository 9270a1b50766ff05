package org.kmemu.bench;

import java.util.SplittableRandom;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.terracotta.offheapstore.storage.allocator.PowerOfTwoAllocator;

/**
 * A seeded random mix over a large live set: about 1M live pages in blocks of order 0-3 (50/20/15/15
 * per cent) inside 2M pages; each operation frees a random live block and allocates a new one of a
 * random order in its slot. The peer does the same in page units (1 unit = 1 page: its int address
 * space cannot hold 8 GiB of bytes). Both draw the same sequence from the same seed.
 */
public class MixBench extends BenchBase {
    private static final int ZONE_PAGES = 1 << 21;
    private static final int SLOTS = 388_000; // ~1M pages at 2.7 pages per block
    private static final long SEED = 0x6b6d656d75L;

    private static int randomOrder(SplittableRandom rnd) {
        int r = rnd.nextInt(100);
        return r < 50 ? 0 : r < 70 ? 1 : r < 85 ? 2 : 3;
    }

    /** The buddy and its live set. */
    @State(Scope.Thread)
    public static class Buddy {
        PageAllocator allocator;
        long[] pfn;
        byte[] order;
        SplittableRandom rnd;

        /** Boots and fills the live set. */
        @Setup(Level.Trial)
        public void setUp() {
            allocator = BenchMachine.buddy(ZONE_PAGES);
            rnd = new SplittableRandom(SEED);
            pfn = new long[SLOTS];
            order = new byte[SLOTS];
            for (int s = 0; s < SLOTS; s++) {
                order[s] = (byte) randomOrder(rnd);
                pfn[s] = allocator.allocPages(0, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, order[s]);
            }
        }
    }

    /** The peer and its live set. */
    @State(Scope.Thread)
    public static class Peer {
        PowerOfTwoAllocator allocator;
        int[] address;
        byte[] order;
        SplittableRandom rnd;

        /** Fills the live set. */
        @Setup(Level.Trial)
        public void setUp() {
            allocator = new PowerOfTwoAllocator(ZONE_PAGES);
            rnd = new SplittableRandom(SEED);
            address = new int[SLOTS];
            order = new byte[SLOTS];
            for (int s = 0; s < SLOTS; s++) {
                order[s] = (byte) randomOrder(rnd);
                address[s] = allocator.allocate(1 << order[s], PowerOfTwoAllocator.Packing.FLOOR);
            }
        }
    }

    /** @return the new block */
    @Benchmark
    public long buddyMix(Buddy b) {
        int s = b.rnd.nextInt(SLOTS);
        if (b.pfn[s] != PageAllocator.NO_PFN) {
            b.allocator.freePages(0, b.pfn[s], b.order[s]);
        }
        int o = randomOrder(b.rnd);
        b.order[s] = (byte) o;
        long p = b.allocator.allocPages(0, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, o);
        b.pfn[s] = p;
        return p;
    }

    /** @return the new block */
    @Benchmark
    public int peerMix(Peer p) {
        int s = p.rnd.nextInt(SLOTS);
        if (p.address[s] >= 0) {
            p.allocator.free(p.address[s], 1 << p.order[s]);
        }
        int o = randomOrder(p.rnd);
        p.order[s] = (byte) o;
        int a = p.allocator.allocate(1 << o, PowerOfTwoAllocator.Packing.FLOOR);
        p.address[s] = a;
        return a;
    }
}
