package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

/** mm/vmstat.c's unusable free space and fragmentation indexes, and their debugfs files. */
class ExtfragTest {
    /** Orders 0..3 with 4, 2, 1 and 0 free blocks: 12 free pages in 7 blocks. */
    private static final long[] FREE = {4, 2, 1, 0};

    @Test
    void unusableFreeIndexIsTheShareOfFreePagesInBlocksTooSmall() {
        assertThat(Extfrag.unusableFreeIndex(FREE, 0)).isZero();
        assertThat(Extfrag.unusableFreeIndex(FREE, 1)).as("(12 - 4 blocks of 2) / 12").isEqualTo(333);
        assertThat(Extfrag.unusableFreeIndex(FREE, 2)).as("(12 - 1 block of 4) / 12").isEqualTo(666);
        assertThat(Extfrag.unusableFreeIndex(FREE, 3)).isEqualTo(1000);
        assertThat(Extfrag.unusableFreeIndex(new long[4], 0)).as("no free memory: all of it unusable").isEqualTo(1000);
    }

    @Test
    void fragmentationIndexIsMinusOneWhereABlockIsFreeAndTendsToOneForScatteredMemory() {
        assertThat(Extfrag.fragmentationIndex(FREE, 2)).isEqualTo(-1000);
        // 1000 - (1000 + 12 * 1000 / 8) / 7 = 1000 - 357
        assertThat(Extfrag.fragmentationIndex(FREE, 3)).isEqualTo(643);
        assertThat(Extfrag.fragmentationIndex(new long[4], 3)).isZero();
        // 1024 single pages and no pair: an order-1 failure is for contiguity, not memory.
        assertThat(Extfrag.fragmentationIndex(new long[] {1024, 0}, 1)).isEqualTo(1000 - (1000 + 512_000) / 1024);
        // One free page: the failure is for lack of memory.
        assertThat(Extfrag.fragmentationIndex(new long[] {1, 0, 0}, 2)).isEqualTo(1000 - (1000 + 250) / 1);
    }

    @Test
    void theDebugfsFilesPrintEveryPopulatedZoneAsTheKernelDoes() {
        Machine m = TestMachines.x86_64(256L << 20);
        DebugFs d = new DebugFs(m);
        String unusable = d.read("extfrag/unusable_index");
        String extfrag = d.read("extfrag/extfrag_index");
        int orders = m.pageAllocator().maxOrder() + 1;
        assertThat(unusable.lines()).hasSize(m.populatedZones().size())
                .allMatch(l -> l.matches("Node 0, zone +\\S+ (\\d\\.\\d{3} ){" + orders + "}"));
        assertThat(extfrag.lines()).allMatch(l -> l.matches("Node 0, zone +\\S+ ((-1| \\d)\\.\\d{3} ){" + orders + "}"));
        assertThat(unusable.lines().findFirst().orElseThrow()).startsWith("Node 0, zone      DMA ");
        assertThatThrownBy(() -> d.read("extfrag/nope")).hasMessageContaining("expected one of: extfrag/unusable_index");
    }

    /** Scatter a zone: allocate it whole in single pages, free every other one; large orders become unusable. */
    @Test
    void freeingEveryOtherPageMakesEveryLargerOrderUnusableAndItsFailureOneOfContiguity() {
        Machine m = TestMachines.x86_64(64L << 20);
        Cpu cpu = m.mmu().cpu(0);
        List<Long> pfns = new ArrayList<>();
        for (long pfn; (pfn = m.kernel().pages().allocPages(cpu, Gfp.GFP_DMA | Gfp.__GFP_NOWARN, 0)) != -1; ) {
            pfns.add(pfn);
        }
        pfns.sort(null);
        for (int i = 0; i < pfns.size(); i += 2) {
            m.kernel().pages().freePages(cpu, pfns.get(i), 0);
        }
        String dma = new DebugFs(m).read("extfrag/unusable_index").lines().filter(l -> l.contains(" DMA ")).findFirst().orElseThrow();
        String[] idx = dma.substring("Node 0, zone      DMA ".length()).trim().split(" ");
        assertThat(idx[0]).isEqualTo("0.000");
        assertThat(idx[1]).as("no two free pages are buddies").isEqualTo("1.000");
        String frag = new DebugFs(m).read("extfrag/extfrag_index").lines().filter(l -> l.contains(" DMA ")).findFirst().orElseThrow();
        assertThat(frag).contains("-1.000 ");
        String[] f = frag.substring("Node 0, zone      DMA ".length()).trim().split("\\s+");
        long n = (pfns.size() + 1) / 2;
        // n single pages and no pair: 1000 - (1000 + n * 1000 / 2^order) / n, towards 1 - 2^-order.
        int order1 = (int) (1000 - (1000 + n * 500) / n);
        assertThat(f[1]).isEqualTo(String.format("%d.%03d", order1 / 1000, order1 % 1000));
        assertThat(Double.parseDouble(f[f.length - 1])).as("the largest order fails for contiguity alone").isGreaterThan(0.99);
    }
}
