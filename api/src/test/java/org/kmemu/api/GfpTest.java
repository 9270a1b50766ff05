package org.kmemu.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.api.Gfp.*;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GfpTest {
    private static final Set<ZoneType> I386 = EnumSet.of(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM, ZoneType.MOVABLE);
    private static final Set<ZoneType> X86_64 = EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL, ZoneType.MOVABLE);

    @Test
    void compositeValuesMatchLinux6() {
        // include/linux/gfp_types.h: GFP_KERNEL is 0xcc0, GFP_HIGHUSER_MOVABLE 0x100cca.
        assertThat(GFP_KERNEL).isEqualTo(0xcc0);
        assertThat(GFP_ATOMIC).isEqualTo(0x820);
        assertThat(GFP_HIGHUSER_MOVABLE).isEqualTo(0x100cca);
        assertThat(GFP_NOWAIT).isEqualTo(0x2800);
    }

    @Test
    void gfpZoneFollowsTheZoneTable() {
        assertThat(gfpZone(GFP_KERNEL, I386)).isEqualTo(ZoneType.NORMAL);
        assertThat(gfpZone(GFP_DMA, I386)).isEqualTo(ZoneType.DMA);
        assertThat(gfpZone(GFP_HIGHUSER, I386)).isEqualTo(ZoneType.HIGHMEM);
        assertThat(gfpZone(GFP_HIGHUSER_MOVABLE, I386)).isEqualTo(ZoneType.MOVABLE);
        // No ZONE_DMA32 on 32-bit: OPT_ZONE_DMA32 is ZONE_NORMAL.
        assertThat(gfpZone(GFP_DMA32, I386)).isEqualTo(ZoneType.NORMAL);
        assertThat(gfpZone(GFP_DMA32, X86_64)).isEqualTo(ZoneType.DMA32);
        // No CONFIG_HIGHMEM on x86_64: OPT_ZONE_HIGHMEM is ZONE_NORMAL.
        assertThat(gfpZone(GFP_HIGHUSER, X86_64)).isEqualTo(ZoneType.NORMAL);
        assertThat(gfpZone(__GFP_MOVABLE, X86_64)).isEqualTo(ZoneType.NORMAL);
    }

    @Test
    void badZoneCombinationsAreRejected() {
        assertThatThrownBy(() -> gfpZone(__GFP_DMA | __GFP_HIGHMEM, I386))
                .hasMessageContaining("GFP_DMA|__GFP_HIGHMEM").hasMessageContaining("expected: at most one");
    }

    @Test
    void migratetypeFromMobilityHints() {
        assertThat(gfpMigratetype(GFP_KERNEL)).isEqualTo(MigrateType.UNMOVABLE);
        assertThat(gfpMigratetype(GFP_HIGHUSER_MOVABLE)).isEqualTo(MigrateType.MOVABLE);
        assertThat(gfpMigratetype(GFP_KERNEL | __GFP_RECLAIMABLE)).isEqualTo(MigrateType.RECLAIMABLE);
    }

    @Test
    void formatsLikePercentPGg() {
        assertThat(format(GFP_KERNEL)).isEqualTo("GFP_KERNEL");
        assertThat(format(GFP_KERNEL | __GFP_ZERO)).isEqualTo("GFP_KERNEL|__GFP_ZERO");
        assertThat(format(GFP_HIGHUSER_MOVABLE)).isEqualTo("GFP_HIGHUSER_MOVABLE");
        assertThat(format(GFP_ATOMIC | __GFP_NOWARN)).isEqualTo("GFP_ATOMIC|__GFP_NOWARN");
        assertThat(format(0)).isEqualTo("0");
        assertThat(format(0x200)).isEqualTo("0x200");
    }

    @Test
    void memoryMapRejectsOverlapAndComputesMaxPfn() {
        MemoryMap map = new MemoryMap(java.util.List.of(
                new MemoryRegion(0x100000, 0x7ff00000, RegionType.USABLE),
                new MemoryRegion(0, 0x9fc00, RegionType.USABLE),
                new MemoryRegion(0xc0000000L, 0x40000000, RegionType.DEVICE)));
        assertThat(map.regions().get(0).start()).isZero();
        assertThat(map.maxPfn(12)).isEqualTo(0x80000);
        assertThat(map.usableBytes()).isEqualTo(0x9fc00 + 0x7ff00000L);
        assertThatThrownBy(() -> new MemoryMap(java.util.List.of(new MemoryRegion(0, 0x2000, RegionType.USABLE),
                new MemoryRegion(0x1000, 0x1000, RegionType.RESERVED)))).hasMessageContaining("overlap");
    }
}
