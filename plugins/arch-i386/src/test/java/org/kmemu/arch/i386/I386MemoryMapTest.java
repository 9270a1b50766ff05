package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * i386's default e820 map (the shared PcE820Map: RAM at [0, ramBytes) except where the legacy window
 * hides it and the PCI hole moves it above 4 GiB) with the non-PAE and PAE address limits, and
 * trim_bios_range(). The map's rule over random sizes is tested in the x86-common module.
 */
class I386MemoryMapTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final MemoryRegion CONVENTIONAL = new MemoryRegion(0, 0x9fc00, RegionType.USABLE);
    static final MemoryRegion LEGACY_WINDOW = new MemoryRegion(0x9fc00, 0x60400, RegionType.RESERVED);
    static final MemoryRegion PCI_HOLE = new MemoryRegion(0xc0000000L, GIB, RegionType.DEVICE);

    final I386Spec nonPae = new I386Spec(Machines.defaults());
    final I386Spec pae = new I386Spec(Machines.pae(Machines.defaults()));

    static MemoryRegion usable(long start, long end) {
        return new MemoryRegion(start, end - start, RegionType.USABLE);
    }

    @Test
    void map512MiBLosesTheLegacyWindowAndEndsAtTheRamSize() {
        MemoryMap m = nonPae.defaultMemoryMap(512 * MIB);
        assertThat(m.regions()).containsExactly(CONVENTIONAL, LEGACY_WINDOW, usable(MIB, 512 * MIB), PCI_HOLE);
        assertThat(m.usableBytes()).isEqualTo(512 * MIB - 0x60400);
        assertThat(m.maxPfn(12)).isEqualTo(0x20000);
    }

    @Test
    void map3GiBFillsEverythingBelowThePciHole() {
        MemoryMap m = nonPae.defaultMemoryMap(3 * GIB);
        assertThat(m.regions()).containsExactly(CONVENTIONAL, LEGACY_WINDOW, usable(MIB, 3 * GIB), PCI_HOLE);
        assertThat(m.maxPfn(12)).isEqualTo(0xc0000);
        assertThat(pae.defaultMemoryMap(3 * GIB)).isEqualTo(m);
    }

    @Test
    void paeMapsMoveRamPast3GiBAbove4GiB() {
        MemoryMap four = pae.defaultMemoryMap(4 * GIB);
        assertThat(four.regions()).containsExactly(
                CONVENTIONAL, LEGACY_WINDOW, usable(MIB, 3 * GIB), PCI_HOLE, usable(4 * GIB, 5 * GIB));
        assertThat(four.maxPfn(12)).isEqualTo(0x140000);
        MemoryMap eight = pae.defaultMemoryMap(8 * GIB);
        assertThat(eight.regions()).last().isEqualTo(usable(4 * GIB, 9 * GIB));
        assertThat(eight.maxPfn(12)).isEqualTo(0x240000);
    }

    @Test
    void tinyMachinesKeepOnlyWhatLiesBelowTheirSize() {
        assertThat(nonPae.defaultMemoryMap(4096).regions())
                .containsExactly(usable(0, 4096), LEGACY_WINDOW, PCI_HOLE);
        // 640 KiB of RAM: the last 0x400 bytes are behind the window, and nothing reaches 1 MiB
        assertThat(nonPae.defaultMemoryMap(0xa0000).regions()).containsExactly(CONVENTIONAL, LEGACY_WINDOW, PCI_HOLE);
        assertThat(nonPae.defaultMemoryMap(MIB).maxPfn(12)).isEqualTo(0x9f);
        assertThat(nonPae.defaultMemoryMap(MIB + 4096).regions())
                .containsExactly(CONVENTIONAL, LEGACY_WINDOW, usable(MIB, MIB + 4096), PCI_HOLE);
    }

    @Test
    void nonPaeRefusesMoreThan3GiBNamingTheWayOut() {
        assertThatThrownBy(() -> nonPae.defaultMemoryMap(4 * GIB))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("0x100000000 (expected: at most 0xc0000000, since RAM past 3 GiB continues"
                        + " above the PCI hole at 4 GiB and 32-bit physical addresses end at 4 GiB: more than"
                        + " 3 GiB of RAM would need addresses above 4 GiB; set pae = true, or give an explicit"
                        + " kmemu.memory.map)");
        assertThatThrownBy(() -> nonPae.defaultMemoryMap(3 * GIB + 4096))
                .hasMessageStartingWith("0xc0001000 (expected: at most 0xc0000000");
    }

    @Test
    void paeReachesRamEndingAt64GiB() {
        assertThat(pae.defaultMemoryMap(63 * GIB).end()).isEqualTo(64 * GIB);
        assertThatThrownBy(() -> pae.defaultMemoryMap(63 * GIB + 4096))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("0xfc0001000 (expected: at most 0xfc0000000,")
                .hasMessageEndingWith("PAE's 36-bit physical addresses end at 64 GiB)");
    }

    @Test
    void sizeMustBeWholePages() {
        assertThatThrownBy(() -> nonPae.defaultMemoryMap(4000))
                .hasMessage("4000 (expected: a positive multiple of 4096 bytes)");
        assertThatThrownBy(() -> nonPae.defaultMemoryMap(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void trimBiosRangeReservesPage0OfTheDefaultMap() {
        MemoryMap firmware = nonPae.defaultMemoryMap(512 * MIB);
        MemoryMap m = nonPae.sanitizeFirmwareMap(firmware);
        assertThat(m.regions()).containsExactly(new MemoryRegion(0, 4096, RegionType.RESERVED),
                usable(4096, 0x9fc00), LEGACY_WINDOW, usable(MIB, 512 * MIB), PCI_HOLE);
        assertThat(m.usableBytes()).isEqualTo(firmware.usableBytes() - 4096);
        assertThat(m.maxPfn(12)).isEqualTo(firmware.maxPfn(12));
    }

    @Test
    void trimBiosRangeTakesTheLegacyWindowOutOfAUserMap() {
        // A user-written map that calls everything below 2 MiB RAM: page 0 becomes reserved, and the
        // RAM claimed in [640 KiB, 1 MiB) is removed, leaving a hole (e820__range_remove).
        MemoryMap user = new MemoryMap(List.of(usable(0, 2 * MIB)));
        assertThat(pae.sanitizeFirmwareMap(user).regions()).containsExactly(
                new MemoryRegion(0, 4096, RegionType.RESERVED), usable(4096, 0xa0000), usable(MIB, 2 * MIB));
        // Only RAM is touched: a reserved window and a page 0 that is no RAM stay as they are.
        MemoryMap rom = new MemoryMap(List.of(usable(0x10000, 0xa0000),
                new MemoryRegion(0xa0000, 0x60000, RegionType.RESERVED), usable(MIB, 2 * MIB)));
        assertThat(pae.sanitizeFirmwareMap(rom)).isEqualTo(rom);
    }
}
