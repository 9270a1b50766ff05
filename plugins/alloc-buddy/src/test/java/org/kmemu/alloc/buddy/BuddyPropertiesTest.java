package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.CheckedFreePageWords;

/**
 * Random alloc/free sequences over random i386-like layouts (DMA, Normal, HighMem with random sizes,
 * offsets, pageblock orders, CPUs and per-CPU list settings), checked against a BitSet model. jqwik
 * generates the layout and every operation itself, so a failing case shrinks to a short sequence on a
 * small machine.
 */
class BuddyPropertiesTest {
    private static final int[] GFPS = {
        Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_ATOMIC, Gfp.GFP_DMA, Gfp.GFP_HIGHUSER,
        Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, Gfp.GFP_NOWAIT,
    };
    private static final ZoneType[] TYPES = {ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM};

    private record Block(long pfn, int order, int cpu) {
    }

    /**
     * One zone of the layout.
     *
     * @param present whether it exists (Normal always does)
     * @param pages   its span
     * @param hole    pages at its start that are not handed to the allocator (clamped below the span)
     * @param gap     pfns between it and the next zone
     */
    record ZoneSpec(boolean present, int pages, int hole, int gap) {
    }

    /**
     * The machine.
     *
     * @param maxOrder       MAX_ORDER
     * @param pageblockOrder pageblock_order, clamped to maxOrder
     * @param cpus           CPUs
     * @param pcp            per-CPU lists on
     * @param batch          their batch, 0 for "auto"
     * @param startPfn       the first zone's first pfn
     * @param zones          DMA, Normal, HighMem
     */
    record Shape(int maxOrder, int pageblockOrder, int cpus, boolean pcp, int batch, int startPfn, List<ZoneSpec> zones) {
    }

    /**
     * One operation: an allocation, or a free of a live block picked by index (modulo the live count);
     * CPUs are taken modulo the machine's.
     *
     * @param alloc whether it allocates
     * @param cpu   the CPU
     * @param order the order asked (clamped to maxOrder)
     * @param gfp   index into {@link #GFPS}
     * @param pick  which live block a free takes
     */
    record Op(boolean alloc, int cpu, int order, int gfp, int pick) {
    }

    @Provide
    Arbitrary<Shape> shapes() {
        Arbitrary<ZoneSpec> zone = Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(1, 3000),
                Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, 7)).as(ZoneSpec::new);
        return Combinators.combine(Arbitraries.integers().between(4, 10), Arbitraries.integers().between(1, 10),
                Arbitraries.integers().between(1, 3), Arbitraries.frequency(Tuple.of(3, true), Tuple.of(1, false)),
                Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 16))),
                Arbitraries.integers().between(0, 63), zone.list().ofSize(TYPES.length)).as(Shape::new);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> cpu = Arbitraries.integers().between(0, 2);
        Arbitrary<Integer> order = Arbitraries.frequencyOf(Tuple.of(7, Arbitraries.just(0)),
                Tuple.of(3, Arbitraries.integers().between(0, 5)));
        Arbitrary<Op> alloc = Combinators.combine(cpu, order, Arbitraries.integers().between(0, GFPS.length - 1))
                .as((c, o, g) -> new Op(true, c, o, g, 0));
        Arbitrary<Op> free = Combinators.combine(cpu, Arbitraries.integers().between(0, Integer.MAX_VALUE))
                .as((c, p) -> new Op(false, c, 0, 0, p));
        return Arbitraries.frequencyOf(Tuple.of(55, alloc), Tuple.of(45, free)).list().ofMinSize(1).ofMaxSize(2000)
                .withSizeDistribution(RandomDistribution.uniform());
    }

    @Property(tries = 60, seed = "20240601")
    void randomSequencesKeepTheBuddyConsistent(@ForAll("shapes") Shape shape, @ForAll("ops") List<Op> ops) {
        run(shape, ops, false);
    }

    @Property(tries = 20, seed = "77")
    void movableOnlySequencesRestoreTheExactBootFreeLists(@ForAll("shapes") Shape shape, @ForAll("ops") List<Op> ops) {
        run(shape, ops, true);
    }

    private static void run(Shape shape, List<Op> ops, boolean movableOnly) {
        int maxOrder = shape.maxOrder();
        int pageblockOrder = Math.min(shape.pageblockOrder(), maxOrder);
        int cpus = shape.cpus();
        List<ZoneSpan> spans = new ArrayList<>();
        long pfn = shape.startPfn();
        for (int i = 0; i < TYPES.length; i++) {
            ZoneSpec z = shape.zones().get(i);
            if (TYPES[i] == ZoneType.NORMAL || z.present()) {
                long pages = z.pages();
                long managed = pages - Math.min(z.hole(), pages - 1);
                spans.add(new ZoneSpan(TYPES[i], pfn, pages, pages, managed));
                pfn += pages + z.gap();
            }
        }
        TestLog log = new TestLog();
        // Half the machines lend their struct page words (as boot does), checked against the contract.
        CheckedFreePageWords words = shape.startPfn() % 2 == 0 ? new CheckedFreePageWords(pfn) : null;
        TestMachine m = new TestMachine(TestMachine.configView("max-order", maxOrder, "pageblock-order", pageblockOrder,
                "per-cpu-lists.enabled", shape.pcp(), "per-cpu-lists.batch", shape.batch() == 0 ? "auto" : shape.batch()),
                spans, TestMachine.I386, 12, cpus, log, words);
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
        for (int k = 0; k < ops.size(); k++) {
            Op op = ops.get(k);
            int cpu = op.cpu() % cpus;
            if (op.alloc()) {
                int order = Math.min(op.order(), maxOrder);
                int gfp = movableOnly ? Gfp.GFP_HIGHUSER_MOVABLE : GFPS[op.gfp()];
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
                if (words != null) {
                    words.handedOut(p, order);
                }
            } else if (!live.isEmpty()) {
                Block b = live.remove(op.pick() % live.size());
                if (words != null) {
                    words.returned(b.pfn(), b.order());
                }
                a.freePages(cpu, b.pfn(), b.order());
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
            for (int c = 0; c < cpus; c++) {
                BuddyChecker.checkPcp(a.pcp(c, z.type()), a.zone(z.type()));
            }
        }

        for (Block b : live) {
            if (words != null) {
                words.returned(b.pfn(), b.order());
            }
            a.freePages(b.cpu(), b.pfn(), b.order());
        }
        a.drainAllPages();
        if (words != null) {
            assertThat(words.violations()).as("FreePageWords contract").isEmpty();
        }

        assertThat(a.nrBadPages()).isZero();
        assertThat(log.lines()).isEmpty();
        List<ZoneStats> end = stats(a, spans);
        for (int z = 0; z < spans.size(); z++) {
            BuddyChecker.check(a.zone(spans.get(z).type()));
            BuddyChecker.checkNoStaleLinks(a.zone(spans.get(z).type()));
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
