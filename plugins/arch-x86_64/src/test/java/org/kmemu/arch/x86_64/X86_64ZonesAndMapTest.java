package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.ZoneType;
import org.junit.jupiter.api.Test;

/** zone_sizes_init() of arch/x86/mm/init.c, the default e820 map and trim_bios_range(). */
class X86_64ZonesAndMapTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long TIB = 1L << 40;
    static final MemoryRegion CONVENTIONAL = new MemoryRegion(0, 0x9fc00, RegionType.USABLE);
    static final MemoryRegion LEGACY_WINDOW = new MemoryRegion(0x9fc00, 0x60400, RegionType.RESERVED);
    static final MemoryRegion PCI_HOLE = new MemoryRegion(0xc0000000L, GIB, RegionType.DEVICE);
    final X86_64Spec spec = new X86_64Spec(X86_64Options.defaults(4));

    static MemoryRegion usable(long start, long end) {
        return new MemoryRegion(start, end - start, RegionType.USABLE);
    }

    long[] zones(long ram) {
        KernelLayout l = spec.layout(spec.defaultMemoryMap(ram));
        return new long[] {spec.maxZonePfn(ZoneType.DMA, l), spec.maxZonePfn(ZoneType.DMA32, l),
            spec.maxZonePfn(ZoneType.NORMAL, l)};
    }

    @Test
    void zoneTypesAreDmaDma32Normal() {
        assertThat(spec.zoneTypes()).containsExactlyInAnyOrder(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL);
        KernelLayout l = spec.layout(spec.defaultMemoryMap(GIB));
        assertThatThrownBy(() -> spec.maxZonePfn(ZoneType.HIGHMEM, l))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HIGHMEM");
    }

    @Test
    void eightMibMachineHasOnlyPartOfDma() {
        // RAM ends at 8 MiB: max_pfn 0x800, below MAX_DMA_PFN 0x1000
        assertThat(zones(8 * MIB)).containsExactly(0x800, 0x800, 0x800);
    }

    @Test
    void threeGibMachineEndsBelowThePciHole() {
        assertThat(zones(3 * GIB)).containsExactly(0x1000, 0xc0000, 0xc0000);
    }

    @Test
    void sixteenGibMachine() {
        // 13 GiB above 4 GiB: max_pfn 17 GiB
        assertThat(zones(16 * GIB)).containsExactly(0x1000, 0x100000, 0x440000);
    }

    @Test
    void oneTibMachine() {
        assertThat(zones(TIB)).containsExactly(0x1000, 0x100000, (TIB + GIB) >>> 12);
    }

    @Test
    void map512MLosesTheLegacyWindow() {
        MemoryMap m = spec.defaultMemoryMap(512 * MIB);
        assertThat(m.regions()).containsExactly(CONVENTIONAL, LEGACY_WINDOW, usable(MIB, 512 * MIB), PCI_HOLE);
        assertThat(m.usableBytes()).isEqualTo(512 * MIB - 0x60400);
        assertThat(m.maxPfn(12)).isEqualTo(0x20000);
    }

    @Test
    void map3G() {
        MemoryMap m = spec.defaultMemoryMap(3 * GIB);
        assertThat(m.regions()).containsExactly(CONVENTIONAL, LEGACY_WINDOW, usable(MIB, 3 * GIB), PCI_HOLE);
        assertThat(m.maxPfn(12)).isEqualTo(0xc0000);
    }

    @Test
    void map4GMovesTheLastGibAboveTheHole() {
        MemoryMap m = spec.defaultMemoryMap(4 * GIB);
        assertThat(m.regions()).containsExactly(
                CONVENTIONAL, LEGACY_WINDOW, usable(MIB, 3 * GIB), PCI_HOLE, usable(4 * GIB, 5 * GIB));
        assertThat(m.maxPfn(12)).isEqualTo(0x140000);
    }

    @Test
    void map16GAnd1T() {
        assertThat(spec.defaultMemoryMap(16 * GIB).regions()).last().isEqualTo(usable(4 * GIB, 17 * GIB));
        assertThat(spec.defaultMemoryMap(16 * GIB).maxPfn(12)).isEqualTo(0x440000);
        assertThat(spec.defaultMemoryMap(TIB).regions()).last().isEqualTo(usable(4 * GIB, TIB + GIB));
        assertThat(spec.defaultMemoryMap(TIB).maxPfn(12)).isEqualTo(0x10040000L);
    }

    @Test
    void tinyMachinesKeepOnlyWhatLiesBelowTheirSize() {
        assertThat(spec.defaultMemoryMap(4096).regions()).containsExactly(usable(0, 4096), LEGACY_WINDOW, PCI_HOLE);
        // 640 KiB of RAM: the last 0x400 bytes are behind the window, and nothing reaches 1 MiB
        assertThat(spec.defaultMemoryMap(0xa0000).regions()).containsExactly(CONVENTIONAL, LEGACY_WINDOW, PCI_HOLE);
        assertThat(spec.defaultMemoryMap(MIB).maxPfn(12)).isEqualTo(0x9f);
    }

    @Test
    void ramMustEndByMaxPhysmemBits() {
        // with the PCI hole, 64 TiB of RAM would end 1 GiB past MAXMEM on 4-level
        assertThat(spec.defaultMemoryMap(64 * TIB - GIB).end()).isEqualTo(64 * TIB);
        assertThatThrownBy(() -> spec.defaultMemoryMap(64 * TIB - GIB + 4096))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("0x3fffc0001000 (expected: at most 0x3fffc0000000, since RAM past 3 GiB"
                        + " continues above the PCI hole at 4 GiB and MAXMEM is 1 << MAX_PHYSMEM_BITS 46"
                        + " = 0x400000000000)");
        X86_64Spec five = new X86_64Spec(X86_64Options.defaults(5));
        MemoryMap m = five.defaultMemoryMap(64 * TIB);
        assertThat(five.layout(m).maxPfn()).isEqualTo((64 * TIB + GIB) >>> 12);
        assertThatThrownBy(() -> five.defaultMemoryMap(4096 * TIB)).hasMessageContaining("MAX_PHYSMEM_BITS 52");
    }

    @Test
    void trimBiosRangeReservesPage0OfTheDefaultMap() {
        MemoryMap firmware = spec.defaultMemoryMap(4 * GIB);
        MemoryMap m = spec.sanitizeFirmwareMap(firmware);
        assertThat(m.regions()).containsExactly(new MemoryRegion(0, 4096, RegionType.RESERVED), usable(4096, 0x9fc00),
                LEGACY_WINDOW, usable(MIB, 3 * GIB), PCI_HOLE, usable(4 * GIB, 5 * GIB));
        assertThat(spec.layout(m).maxPfn()).isEqualTo(0x140000);
    }

    @Test
    void trimBiosRangeTakesTheLegacyWindowOutOfAUserMap() {
        // A user-written map that calls everything below 2 MiB RAM: page 0 becomes reserved, and the
        // RAM claimed in [640 KiB, 1 MiB) is removed, leaving a hole (e820__range_remove).
        MemoryMap user = new MemoryMap(List.of(usable(0, 2 * MIB)));
        assertThat(spec.sanitizeFirmwareMap(user).regions()).containsExactly(
                new MemoryRegion(0, 4096, RegionType.RESERVED), usable(4096, 0xa0000), usable(MIB, 2 * MIB));
        // Only RAM is touched: a reserved window and a page 0 that is no RAM stay as they are.
        MemoryMap rom = new MemoryMap(List.of(usable(0x10000, 0xa0000),
                new MemoryRegion(0xa0000, 0x60000, RegionType.RESERVED), usable(MIB, 2 * MIB)));
        assertThat(spec.sanitizeFirmwareMap(rom)).isEqualTo(rom);
    }

    @Test
    void badRamSizes() {
        assertThatThrownBy(() -> spec.defaultMemoryMap(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("0 (expected");
        assertThatThrownBy(() -> spec.defaultMemoryMap(4097)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void earlyReservationIsTheFirstMib() {
        assertThat(spec.earlyReservations(spec.defaultMemoryMap(GIB)))
                .containsExactly(new MemoryRegion(0, MIB, RegionType.RESERVED));
        assertThat(spec.kernelLoadAddress()).isEqualTo(0x1000000L);
    }

    @Test
    void specFacts() {
        assertThat(spec.byteOrder()).isEqualTo(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(spec.pageShift()).isEqualTo(12);
        assertThat(spec.physAddressBits()).isEqualTo(46);
        assertThat(spec.virtAddressBits()).isEqualTo(48);
        assertThat(spec.structPageBytes()).isEqualTo(64);
        X86_64Spec five = new X86_64Spec(X86_64Options.defaults(5));
        assertThat(five.physAddressBits()).isEqualTo(52);
        assertThat(five.virtAddressBits()).isEqualTo(57);
        assertThat(five.description()).contains("5-level");
        assertThat(List.of(spec.id(), new X86_64Architecture().id())).containsOnly("x86_64");
    }
}
