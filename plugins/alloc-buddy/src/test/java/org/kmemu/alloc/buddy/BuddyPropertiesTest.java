package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * Seeded random alloc/free sequences over random i386-like layouts (DMA, Normal, HighMem with random
 * sizes, offsets, pageblock orders, CPUs and per-CPU list settings), checked against a BitSet model.
 */
class BuddyPropertiesTest {
    private static final int[] GFPS = {
        Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_ATOMIC, Gfp.GFP_DMA, Gfp.GFP_HIGHUSER,
        Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, Gfp.GFP_NOWAIT,
    };

    private record Block(long pfn, int order, int cpu) {
    }

    @Property(tries = 60, seed = "20240601")
    void randomSequencesKeepTheBuddyConsistent(@ForAll long seed) {
        run(seed, false);
    }

    @Property(tries = 20, seed = "77")
    void movableOnlySequencesRestoreTheExactBootFreeLists(@ForAll long seed) {
        run(seed, true);
    }

    private static void run(long seed, boolean movableOnly) {
        Random rnd = new Random(seed);
        int maxOrder = 4 + rnd.nextInt(7);
        int pageblockOrder = 1 + rnd.nextInt(maxOrder);
        int cpus = 1 + rnd.nextInt(3);
        boolean pcp = rnd.nextInt(4) != 0;
        List<ZoneSpan> spans = new ArrayList<>();
        long pfn = rnd.nextInt(64);
        ZoneType[] types = {ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM};
        for (ZoneType t : types) {
            if (t == ZoneType.NORMAL || rnd.nextBoolean()) {
                long pages = 1 + rnd.nextInt(3000);
                long managed = pages - rnd.nextInt((int) Math.min(pages, 16));
                spans.add(new ZoneSpan(t, pfn, pages, pages, managed));
                pfn += pages + rnd.nextInt(8);
            }
        }
        TestLog log = new TestLog();
        TestMachine m = new TestMachine(TestMachine.configView("max-order", maxOrder, "pageblock-order", pageblockOrder,
                "per-cpu-lists.enabled", pcp, "per-cpu-lists.batch", rnd.nextBoolean() ? "auto" : 1 + rnd.nextInt(16)),
                spans, TestMachine.I386, 12, cpus, log);
        BuddyAllocator a = (BuddyAllocator) new BuddyPolicy().create(m);
        long managed = 0;
        for (ZoneSpan z : spans) {
            // Hand over the span minus a random hole at its start, in two pieces.
            long hole = z.spannedPages() - z.managedPages();
            long first = z.managedPages() / 2;
            if (first > 0) {
                a.freeBootMemory(z.startPfn() + hole, first);
            }
            a.freeBootMemory(z.startPfn() + hole + first, z.managedPages() - first);
            managed += z.managedPages();
        }
        List<ZoneStats> boot = stats(a, spans);

        BitSet used = new BitSet();
        List<Block> live = new ArrayList<>();
        long allocated = 0;
        int ops = 500 + rnd.nextInt(1500);
        for (int k = 0; k < ops; k++) {
            int cpu = rnd.nextInt(cpus);
            if (live.isEmpty() || rnd.nextInt(100) < 55) {
                int order = rnd.nextInt(100) < 70 ? 0 : rnd.nextInt(Math.min(maxOrder, 5) + 1);
                int gfp = movableOnly ? Gfp.GFP_HIGHUSER_MOVABLE : GFPS[rnd.nextInt(GFPS.length)];
                long p = a.allocPages(cpu, gfp | Gfp.__GFP_NOWARN, order);
                if (p == PageAllocator.NO_PFN) {
                    continue;
                }
                assertThat(p & ((1L << order) - 1)).as("alignment").isZero();
                int from = (int) p;
                assertThat(used.get(from, from + (1 << order)).isEmpty()).as("page handed out twice: %d", p).isTrue();
                used.set(from, from + (1 << order));
                assertThat(zoneOf(spans, p).type().ordinal())
                        .isLessThanOrEqualTo(Gfp.gfpZone(gfp, TestMachine.I386).ordinal());
                live.add(new Block(p, order, cpu));
                allocated += 1L << order;
            } else {
                Block b = live.remove(rnd.nextInt(live.size()));
                a.freePages(rnd.nextInt(cpus), b.pfn(), b.order());
                used.clear((int) b.pfn(), (int) b.pfn() + (1 << b.order()));
                allocated -= 1L << b.order();
            }
            if (k % 97 == 0) {
                assertThat(free(a, spans) + parked(a, spans, cpus) + allocated).as("every page accounted").isEqualTo(managed);
            }
        }
        assertThat(free(a, spans) + parked(a, spans, cpus) + allocated).isEqualTo(managed);
        for (ZoneSpan z : spans) {
            BuddyChecker.check(a.zone(z.type()));
        }

        for (Block b : live) {
            a.freePages(b.cpu(), b.pfn(), b.order());
        }
        a.drainAllPages();

        assertThat(a.nrBadPages()).isZero();
        assertThat(log.lines()).isEmpty();
        List<ZoneStats> end = stats(a, spans);
        for (int z = 0; z < spans.size(); z++) {
            BuddyChecker.check(a.zone(spans.get(z).type()));
            assertThat(end.get(z).freePages()).isEqualTo(boot.get(z).freePages());
            for (int o = 0; o <= maxOrder; o++) {
                assertThat(end.get(z).nrFree(o)).as("order %d", o).isEqualTo(boot.get(z).nrFree(o));
            }
            if (movableOnly) {
                assertThat(end.get(z).freeBlocks()).isDeepEqualTo(boot.get(z).freeBlocks());
                assertThat(end.get(z).pageblocks()).isEqualTo(boot.get(z).pageblocks());
            }
        }
    }

    private static ZoneSpan zoneOf(List<ZoneSpan> spans, long pfn) {
        for (ZoneSpan z : spans) {
            if (z.contains(pfn)) {
                return z;
            }
        }
        throw new AssertionError("pfn " + pfn + " outside every zone");
    }

    private static List<ZoneStats> stats(BuddyAllocator a, List<ZoneSpan> spans) {
        List<ZoneStats> out = new ArrayList<>();
        for (ZoneSpan z : spans) {
            out.add(a.zoneStats(z.type()));
        }
        return out;
    }

    private static long free(BuddyAllocator a, List<ZoneSpan> spans) {
        long sum = 0;
        for (ZoneSpan z : spans) {
            sum += a.nrFreePages(z.type());
        }
        return sum;
    }

    private static long parked(BuddyAllocator a, List<ZoneSpan> spans, int cpus) {
        long sum = 0;
        for (ZoneSpan z : spans) {
            for (int c = 0; c < cpus; c++) {
                PerCpuPages p = a.pcp(c, z.type());
                sum += p == null ? 0 : p.count;
            }
        }
        return sum;
    }
}
