package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneType;

class ZonelistTest {

    private static BuddyAllocator i386() {
        return TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves("per-cpu-lists.enabled", false)),
                List.of(TestMachine.span(ZoneType.DMA, 0, 16), TestMachine.span(ZoneType.NORMAL, 16, 32),
                        TestMachine.span(ZoneType.HIGHMEM, 48, 64)), TestMachine.I386, 12, 1, new TestLog()));
    }

    private static BuddyAllocator x86_64() {
        return TestMachine.boot(new TestMachine(TestMachine.configView(TestMachine.noReserves("per-cpu-lists.enabled", false)),
                List.of(TestMachine.span(ZoneType.DMA, 0, 16), TestMachine.span(ZoneType.DMA32, 16, 32),
                        TestMachine.span(ZoneType.NORMAL, 48, 64)), TestMachine.X86_64, 12, 1, new TestLog()));
    }

    /** Allocates order-0 pages until failure and returns the zones they came from, run-length encoded. */
    private static List<ZoneType> zonesInOrder(BuddyAllocator a, int gfp) {
        List<ZoneType> seen = new ArrayList<>();
        long pfn;
        while ((pfn = a.allocPages(0, gfp | Gfp.__GFP_NOWARN, 0)) != PageAllocator.NO_PFN) {
            ZoneType z = pfn < 16 ? ZoneType.DMA : pfn < 48 ? a.zone(ZoneType.DMA32) != null ? ZoneType.DMA32
                    : ZoneType.NORMAL : a.zone(ZoneType.HIGHMEM) != null ? ZoneType.HIGHMEM : ZoneType.NORMAL;
            if (seen.isEmpty() || seen.get(seen.size() - 1) != z) {
                seen.add(z);
            }
        }
        return seen;
    }

    @Test
    void i386Zonelists() {
        assertThat(zonesInOrder(i386(), Gfp.GFP_KERNEL)).containsExactly(ZoneType.NORMAL, ZoneType.DMA);
        assertThat(zonesInOrder(i386(), Gfp.GFP_DMA)).containsExactly(ZoneType.DMA);
        assertThat(zonesInOrder(i386(), Gfp.GFP_HIGHUSER)).containsExactly(ZoneType.HIGHMEM, ZoneType.NORMAL, ZoneType.DMA);
        assertThat(zonesInOrder(i386(), Gfp.__GFP_HIGHMEM)).containsExactly(ZoneType.HIGHMEM, ZoneType.NORMAL, ZoneType.DMA);
        // No ZONE_DMA32 on 32-bit: OPT_ZONE_DMA32 reads as Normal.
        assertThat(zonesInOrder(i386(), Gfp.GFP_DMA32)).containsExactly(ZoneType.NORMAL, ZoneType.DMA);
        // ZONE_MOVABLE is empty: GFP_HIGHUSER_MOVABLE starts at the next populated zone down.
        assertThat(zonesInOrder(i386(), Gfp.GFP_HIGHUSER_MOVABLE))
                .containsExactly(ZoneType.HIGHMEM, ZoneType.NORMAL, ZoneType.DMA);
    }

    @Test
    void x86_64Zonelists() {
        assertThat(zonesInOrder(x86_64(), Gfp.GFP_KERNEL)).containsExactly(ZoneType.NORMAL, ZoneType.DMA32, ZoneType.DMA);
        assertThat(zonesInOrder(x86_64(), Gfp.GFP_DMA)).containsExactly(ZoneType.DMA);
        assertThat(zonesInOrder(x86_64(), Gfp.GFP_DMA32)).containsExactly(ZoneType.DMA32, ZoneType.DMA);
        // No highmem: __GFP_HIGHMEM reads as Normal.
        assertThat(zonesInOrder(x86_64(), Gfp.GFP_HIGHUSER)).containsExactly(ZoneType.NORMAL, ZoneType.DMA32, ZoneType.DMA);
    }

    @Test
    void badZoneModifiersAndOrdersAreMisuse() {
        BuddyAllocator a = i386();
        assertThatThrownBy(() -> a.allocPages(0, Gfp.__GFP_DMA | Gfp.__GFP_HIGHMEM, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: at most one of");
        assertThatThrownBy(() -> a.allocPages(0, Gfp.GFP_KERNEL, 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("order: 11 (expected: 0 to 10)");
        assertThatThrownBy(() -> a.allocPages(0, Gfp.GFP_KERNEL, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.allocPages(1, Gfp.GFP_KERNEL, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cpu: 1 (expected: 0 to 0)");
        assertThatThrownBy(() -> a.freePages(0, 16, 12)).isInstanceOf(IllegalArgumentException.class);
    }
}
