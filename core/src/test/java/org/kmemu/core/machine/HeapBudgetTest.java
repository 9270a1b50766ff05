package org.kmemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.testing.TestMachines;

class HeapBudgetTest {
    private static final long SECTION = PageFrames.PAGES_PER_SECTION;

    @Test
    void countsEverySectionThatHoldsRamOnceAsPageFramesMakesThem() {
        // Two ranges in one section, one range across two more, a gap of a whole section, one page alone.
        HeapBudget b = HeapBudget.of(List.of(new long[] {1, 0x9f}, new long[] {0x100, SECTION + 10},
                new long[] {SECTION + 20, 3 * SECTION}, new long[] {5 * SECTION + 7, 5 * SECTION + 8}), 2);
        assertThat(b.frames()).isEqualTo(4 * SECTION);
    }

    @Test
    void theEstimateMatchesTheFramesOfABootedMachine() {
        Machine m = TestMachines.x86_64(4L << 30);
        List<long[]> ram = new java.util.ArrayList<>();
        for (long[] r : m.memblock().memory()) {
            ram.add(new long[] {r[0] >>> 12, r[1] >>> 12});
        }
        assertThat(HeapBudget.of(ram, 2).frames()).isEqualTo(m.pageFrames().presentFrames());
    }

    @Test
    void neededIsTheFixedPartPlusStructPagesWithHeadroomPlusPerCpu() {
        HeapBudget b = HeapBudget.of(List.of(new long[] {0, 64 * SECTION}), 4);
        assertThat(b.neededBytes()).isEqualTo(HeapBudget.FIXED_BYTES + 64 * SECTION * HeapBudget.STRUCT_PAGE_BYTES * 5 / 4
                + 4 * HeapBudget.PER_CPU_BYTES);
        // The shipped 8 GiB x86_64 machine: 2^21 frames, about 85 MiB (measured: it boots and populates in 65).
        assertThat(HeapBudget.size(HeapBudget.of(List.of(new long[] {0, 1L << 21}), 2).neededBytes())).isEqualTo("85M");
    }

    @Test
    void refusesAHeapBelowTheEstimateInOneLineSayingHowToGiveMore() {
        HeapBudget b = HeapBudget.of(List.of(new long[] {0, 1L << 22}), 2); // 16 GiB of 4 KiB frames
        long needed = b.neededBytes();
        b.check("x.conf:3", needed); // exactly enough
        assertThatThrownBy(() -> b.check("x.conf:3", 96L << 20))
                .isInstanceOf(HeapTooSmallException.class)
                .hasMessage("x.conf:3: kmemu.memory: this machine needs about 138M of Java heap (struct pages for 4194304"
                        + " frames, 21 bytes each, and the garbage collector's headroom), but this JVM has 96M: give it more"
                        + " with KMEMU_JAVA_OPTS=-Xmx192m ./kmemu ... (java -Xmx192m when embedding)")
                .satisfies(e -> {
                    HeapTooSmallException h = (HeapTooSmallException) e;
                    assertThat(h.neededBytes()).isEqualTo(needed);
                    assertThat(h.maxHeapBytes()).isEqualTo(96L << 20);
                });
    }

    @Test
    void theSuggestedXmxGivesAtLeastTheEstimate() {
        assertThat(HeapBudget.xmx(1)).isEqualTo("-Xmx64m");
        assertThat(HeapBudget.xmx(64L << 20)).isEqualTo("-Xmx64m");
        assertThat(HeapBudget.xmx((64L << 20) + 1)).isEqualTo("-Xmx128m");
        assertThat(HeapBudget.xmx(1L << 30)).isEqualTo("-Xmx1024m");
        assertThat(HeapBudget.xmx((1L << 30) + 1)).isEqualTo("-Xmx2g");
        assertThat(HeapBudget.xmx((long) (6.6 * (1L << 30)))).isEqualTo("-Xmx7g");
        assertThat(HeapBudget.size(96L << 20)).isEqualTo("96M");
        assertThat(HeapBudget.size((96L << 20) + 1)).isEqualTo("97M");
        assertThat(HeapBudget.size(6_000L << 20)).isEqualTo("5.9G");
    }

    @Test
    void bootRefusesAMachineTheHeapCannotHoldBeforeMakingItsStructPages() {
        // 2^40 bytes of RAM: about 6.6G by the estimate; surefire's JVMs run with -Xmx2g.
        assertThat(Runtime.getRuntime().maxMemory()).isLessThan(6L << 30);
        assertThatThrownBy(() -> TestMachines.x86_64(1L << 40))
                .isInstanceOf(HeapTooSmallException.class)
                .hasMessageContaining("kmemu.memory: this machine needs about 6.6G of Java heap (struct pages for 268435456 frames")
                .hasMessageContaining("KMEMU_JAVA_OPTS=-Xmx7g");
    }
}
