package org.kmemu.core.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemblockTest {

    @Test
    void freeRangesAreMemoryMinusReserved() {
        Memblock m = new Memblock();
        m.addMemory(0x1000, 0x9e000);
        m.addMemory(0x100000, 0x3ff00000);
        m.reserve(0, 0x100000);           // first MiB, partly outside memory
        m.reserve(0x1000000, 0x2000000);  // kernel image
        List<long[]> free = m.freeRanges();
        assertThat(free).hasSize(2);
        assertThat(free.get(0)).containsExactly(0x100000, 0x1000000);
        assertThat(free.get(1)).containsExactly(0x3000000, 0x40000000);
        assertThat(m.reservedMemoryBytes()).isEqualTo(0x9e000 + 0x2000000);
    }

    @Test
    void reservationsMergeAndMayRepeat() {
        Memblock m = new Memblock();
        m.addMemory(0, 1 << 20);
        m.reserve(0x1000, 0x1000);
        m.reserve(0x2000, 0x1000);
        m.reserve(0x1800, 0x100);
        assertThat(m.reserved()).hasSize(1);
        assertThat(m.reserved().get(0)).containsExactly(0x1000, 0x3000);
    }

    @Test
    void allocTopDownTakesTheHighestFitBelowTheLimit() {
        Memblock m = new Memblock();
        m.addMemory(0, 64 << 20);
        m.reserve(60 << 20, 4 << 20);
        long base = m.allocTopDown(1 << 20, 4096, 32 << 20);
        assertThat(base).isEqualTo(31 << 20);
        assertThat(m.allocTopDown(1 << 20, 4096, 32 << 20)).isEqualTo(30 << 20);
        assertThat(m.allocTopDown(128 << 20, 4096, 1L << 40)).isEqualTo(-1);
    }

    @Test
    void allocTopDownHonoursAlignment() {
        Memblock m = new Memblock();
        m.addMemory(0, 0x10000);
        m.reserve(0xf000, 0x1000);
        assertThat(m.allocTopDown(0x100, 0x4000, 0x10000)).isEqualTo(0xc000);
    }
}
