package org.kmemu.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryMapTest {

    @Test
    void updateSplitsTheRegionLikeE820RangeUpdate() {
        MemoryMap map = new MemoryMap(List.of(new MemoryRegion(0, 0x9fc00, RegionType.USABLE),
                new MemoryRegion(0x9fc00, 0x60400, RegionType.RESERVED)));
        MemoryMap updated = map.update(0, 0x1000, RegionType.USABLE, RegionType.RESERVED);
        assertThat(updated.regions()).containsExactly(
                new MemoryRegion(0, 0x1000, RegionType.RESERVED),
                new MemoryRegion(0x1000, 0x9ec00, RegionType.USABLE),
                new MemoryRegion(0x9fc00, 0x60400, RegionType.RESERVED));
        assertThat(updated.usableBytes()).isEqualTo(map.usableBytes() - 0x1000);
    }

    @Test
    void updateInTheMiddleLeavesBothEnds() {
        MemoryMap map = new MemoryMap(List.of(new MemoryRegion(0, 0x10000, RegionType.USABLE)));
        assertThat(map.update(0x4000, 0x1000, RegionType.USABLE, RegionType.ACPI).regions()).containsExactly(
                new MemoryRegion(0, 0x4000, RegionType.USABLE),
                new MemoryRegion(0x4000, 0x1000, RegionType.ACPI),
                new MemoryRegion(0x5000, 0xb000, RegionType.USABLE));
    }

    @Test
    void updateIgnoresOtherTypes() {
        MemoryMap map = new MemoryMap(List.of(new MemoryRegion(0, 0x1000, RegionType.RESERVED),
                new MemoryRegion(0x1000, 0x1000, RegionType.USABLE)));
        assertThat(map.update(0, 0x1000, RegionType.USABLE, RegionType.RESERVED)).isEqualTo(map);
    }
}
