package org.kmemu.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.api.Gfp.GFP_DMA;
import static org.kmemu.api.Gfp.GFP_HIGHUSER;
import static org.kmemu.api.Gfp.GFP_KERNEL;
import static org.kmemu.api.Gfp.__GFP_NOWARN;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigView;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;

/**
 * The contract every {@link PageAllocatorPolicy} keeps, as JUnit 5 tests. Extend it in your plugin's
 * tests and implement {@link #policy()}. kmemu's buddy allocator extends it too.
 *
 * <p>It boots small i386- and x86_64-shaped machines ({@link ZoneFixtures}) and checks: blocks are
 * naturally aligned, inside one zone and never handed out twice; zone modifiers are obeyed
 * (GFP_KERNEL never gets highmem, GFP_DMA only ZONE_DMA); free counts agree with the free lists;
 * running out returns {@link PageAllocator#NO_PFN} with the kernel's warning unless __GFP_NOWARN;
 * a double free is reported and ignored; after everything is freed the free lists are back to their
 * boot state. The machine lends the policy its struct page words ({@link CheckedFreePageWords}): a
 * policy that uses them must touch only free pages' words and hand every page out with the word 0; a
 * policy must also work when the machine lends none.
 */
public abstract class PageAllocatorContractTest {

    /** @return a new instance of the policy under test */
    protected abstract PageAllocatorPolicy policy();

    /** @return the policy's config for these tests: its reference.conf defaults */
    protected ConfigView config() {
        return PluginConfigs.of(policy().getClass(), "kmemu.page-allocator." + policy().id());
    }

    /** A booted allocator and what it was booted with. */
    protected record Booted(PageAllocator allocator, List<ZoneSpan> zones, RecordingLog log, CheckedFreePageWords words) {
    }

    /**
     * Creates the allocator and hands it every managed page, as boot does.
     *
     * @param zones the populated zones
     * @param types the configured zone types
     * @param cpus  the CPU count
     * @return the booted allocator
     */
    protected Booted boot(List<ZoneSpan> zones, Set<ZoneType> types, int cpus) {
        return boot(zones, types, cpus, true);
    }

    /**
     * Creates the allocator and hands it every managed page, as boot does.
     *
     * @param zones     the populated zones
     * @param types     the configured zone types
     * @param cpus      the CPU count
     * @param lendWords whether the machine lends its struct page words ({@link CheckedFreePageWords})
     * @return the booted allocator; its {@code words} is null when none were lent
     */
    protected Booted boot(List<ZoneSpan> zones, Set<ZoneType> types, int cpus, boolean lendWords) {
        RecordingLog log = new RecordingLog();
        long maxPfn = zones.stream().mapToLong(ZoneSpan::endPfn).max().orElse(0);
        CheckedFreePageWords words = lendWords ? new CheckedFreePageWords(maxPfn) : null;
        PageAllocator a = policy().create(new ZoneFixtures.Context(config(), zones, types, 12, cpus, log, words));
        for (ZoneSpan z : zones) {
            a.freeBootMemory(ZoneFixtures.firstManagedPfn(z), z.managedPages());
        }
        return new Booted(a, zones, log, words);
    }

    private static ZoneSpan zoneOf(List<ZoneSpan> zones, long pfn) {
        for (ZoneSpan z : zones) {
            if (z.contains(pfn)) {
                return z;
            }
        }
        throw new AssertionError("pfn " + pfn + " is in no zone");
    }

    @Test
    void everyManagedPageIsFreeAfterBootAndCountsAgree() {
        Booted b = boot(ZoneFixtures.i386(), ZoneFixtures.i386Types(), 2);
        for (ZoneSpan z : b.zones()) {
            ZoneStats s = b.allocator().zoneStats(z.type());
            assertThat(s.freePages()).as(z.type().kernelName()).isEqualTo(z.managedPages());
            assertThat(b.allocator().nrFreePages(z.type())).isEqualTo(z.managedPages());
            long fromLists = 0;
            for (int o = 0; o <= b.allocator().maxOrder(); o++) {
                fromLists += s.nrFree(o) << o;
            }
            assertThat(fromLists).as("free lists of %s", z.type().kernelName()).isEqualTo(s.freePages());
            assertThat(s.watermarkMin()).isLessThanOrEqualTo(s.watermarkLow());
            assertThat(s.watermarkLow()).isLessThanOrEqualTo(s.watermarkHigh());
        }
    }

    @Test
    void blocksAreAlignedInsideOneZoneAndObeyTheZoneModifiers() {
        Booted b = boot(ZoneFixtures.i386(), ZoneFixtures.i386Types(), 1);
        PageAllocator a = b.allocator();
        for (int order = 0; order <= 4; order++) {
            long pfn = a.allocPages(0, GFP_KERNEL, order);
            assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
            assertThat(pfn & ((1L << order) - 1)).as("alignment of order %d", order).isZero();
            ZoneSpan z = zoneOf(b.zones(), pfn);
            assertThat(z.type()).as("GFP_KERNEL never gets highmem").isNotEqualTo(ZoneType.HIGHMEM);
            assertThat(zoneOf(b.zones(), pfn + (1L << order) - 1)).isEqualTo(z);
        }
        long dma = a.allocPages(0, GFP_DMA, 0);
        assertThat(zoneOf(b.zones(), dma).type()).isEqualTo(ZoneType.DMA);
        long high = a.allocPages(0, GFP_HIGHUSER, 0);
        assertThat(zoneOf(b.zones(), high).type()).as("highmem is preferred when allowed").isEqualTo(ZoneType.HIGHMEM);
    }

    @Test
    void dmaExhaustionFailsWithTheKernelsWarningUnlessNowarn() {
        Booted b = boot(ZoneFixtures.x86_64(), ZoneFixtures.x86_64Types(), 1);
        PageAllocator a = b.allocator();
        List<Long> got = new ArrayList<>();
        long pfn;
        while ((pfn = a.allocPages(0, GFP_DMA | __GFP_NOWARN, 0)) != PageAllocator.NO_PFN) {
            assertThat(zoneOf(b.zones(), pfn).type()).isEqualTo(ZoneType.DMA);
            got.add(pfn);
        }
        assertThat(got).as("some DMA pages were handed out").isNotEmpty();
        assertThat(b.log().lines()).as("__GFP_NOWARN keeps the log quiet").isEmpty();
        assertThat(a.allocPages(0, GFP_DMA, 0)).isEqualTo(PageAllocator.NO_PFN);
        assertThat(b.log().lines()).anySatisfy(l -> assertThat(l).contains("page allocation failure: order:0"));
        for (long p : got) {
            a.freePages(0, p, 0);
        }
    }

    @Test
    void doubleFreeIsReportedAndIgnored() {
        Booted b = boot(ZoneFixtures.x86_64(), ZoneFixtures.x86_64Types(), 1);
        PageAllocator a = b.allocator();
        long pfn = a.allocPages(0, GFP_KERNEL, 2);
        a.freePages(0, pfn, 2);
        a.drainAllPages();
        long free = a.nrFreePages(ZoneType.NORMAL) + a.nrFreePages(ZoneType.DMA32) + a.nrFreePages(ZoneType.DMA);
        b.log().clear();
        a.freePages(0, pfn, 2);
        a.drainAllPages();
        assertThat(b.log().lines()).anySatisfy(l -> assertThat(l).startsWith("BUG: Bad page state"));
        assertThat(a.nrFreePages(ZoneType.NORMAL) + a.nrFreePages(ZoneType.DMA32) + a.nrFreePages(ZoneType.DMA)).isEqualTo(free);
    }

    @Test
    void ordersAboveTheMaximumAreMisuse() {
        PageAllocator a = boot(ZoneFixtures.x86_64(), ZoneFixtures.x86_64Types(), 1).allocator();
        assertThatThrownBy(() -> a.allocPages(0, GFP_KERNEL, a.maxOrder() + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomAllocAndFreeNeverOverlapsAndEndsWhereItStarted() {
        for (long seed = 1; seed <= 4; seed++) {
            // Seeds 1 to 3 lend the struct page words, seed 4 lends none.
            Booted b = boot(ZoneFixtures.i386(), ZoneFixtures.i386Types(), 2, seed <= 3);
            CheckedFreePageWords words = b.words();
            PageAllocator a = b.allocator();
            List<long[]> before = snapshot(b);
            Random rnd = new Random(seed);
            BitSet inUse = new BitSet();
            List<long[]> live = new ArrayList<>();
            int[] gfps = {GFP_KERNEL, GFP_HIGHUSER, GFP_DMA};
            for (int step = 0; step < 20_000; step++) {
                if (live.isEmpty() || rnd.nextInt(100) < 55) {
                    int order = rnd.nextInt(100) < 70 ? 0 : rnd.nextInt(5);
                    int cpu = rnd.nextInt(2);
                    long pfn = a.allocPages(cpu, gfps[rnd.nextInt(gfps.length)] | __GFP_NOWARN, order);
                    if (pfn == PageAllocator.NO_PFN) {
                        continue;
                    }
                    int from = Math.toIntExact(pfn);
                    assertThat(inUse.get(from, from + (1 << order)).isEmpty()).as("seed %d step %d: pfn %d handed out twice", seed, step, pfn).isTrue();
                    inUse.set(from, from + (1 << order));
                    live.add(new long[] {pfn, order, cpu});
                    if (words != null) {
                        words.handedOut(pfn, order);
                    }
                } else {
                    long[] blk = live.remove(rnd.nextInt(live.size()));
                    inUse.clear((int) blk[0], (int) blk[0] + (1 << blk[1]));
                    if (words != null) {
                        words.returned(blk[0], (int) blk[1]);
                    }
                    a.freePages(rnd.nextInt(2), blk[0], (int) blk[1]);
                }
            }
            a.drainAllPages();
            long managed = b.zones().stream().mapToLong(ZoneSpan::managedPages).sum();
            long free = b.zones().stream().mapToLong(z -> a.nrFreePages(z.type())).sum();
            assertThat(free + inUse.cardinality()).as("seed %d: every page accounted for", seed).isEqualTo(managed);
            for (long[] blk : live) {
                if (words != null) {
                    words.returned(blk[0], (int) blk[1]);
                }
                a.freePages(0, blk[0], (int) blk[1]);
            }
            if (words != null) {
                assertThat(words.violations()).as("seed %d: FreePageWords contract", seed).isEmpty();
            }
            a.drainAllPages();
            List<long[]> after = snapshot(b);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i)).as("seed %d: free lists of %s back to boot state", seed, b.zones().get(i).type())
                        .containsExactly(before.get(i));
            }
            assertThat(b.log().lines()).as("no bad pages").noneMatch(l -> l.startsWith("BUG"));
        }
    }

    /** Per zone: free blocks per order (all migrate types together) followed by free pages. */
    private static List<long[]> snapshot(Booted b) {
        List<long[]> out = new ArrayList<>();
        for (ZoneSpan z : b.zones()) {
            ZoneStats s = b.allocator().zoneStats(z.type());
            long[] row = new long[b.allocator().maxOrder() + 2];
            for (int o = 0; o <= b.allocator().maxOrder(); o++) {
                row[o] = s.nrFree(o);
            }
            row[row.length - 1] = s.freePages();
            out.add(Arrays.copyOf(row, row.length));
        }
        return out;
    }
}
