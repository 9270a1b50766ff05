package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The build-time areas, each number derived by hand from the kernel formulas cited in FixedAreas
 * with NR_CPUS = 8.
 */
class FixedAreasTest {

    @Test
    void currentNonPae() {
        FixedAreas a = new FixedAreas(Machines.defaults());
        // FIXADDR_TOP 0xfffff000 (pgtable_32.c) - 197 slots; - 710 slots for FIXADDR_TOT_START.
        assertThat(a.fixaddrStart()).isEqualTo(0xfff3a000L);
        assertThat(a.fixaddrTotStart()).isEqualTo(0xffd39000L);
        // CPU_ENTRY_AREA_BASE = (0xffd39000 - 4096 * (8*43 + 1)) & 4M mask (pgtable_32_areas.h)
        assertThat(a.cpuEntryAreaBase()).isEqualTo(0xff800000L);
        assertThat(a.cpuEntryAreaMapSize()).isEqualTo(345L * 4096);
        assertThat(a.ldtBase()).isEqualTo(0xff400000L);
        assertThat(a.pkmapBase()).isEqualTo(0xff000000L);
        assertThat(a.lastPkmap()).isEqualTo(1024);
        assertThat(a.vmallocEnd()).isEqualTo(0xfeffe000L);
        // MAXMEM = VMALLOC_END - PAGE_OFFSET - 128M
        assertThat(a.maxMem()).isEqualTo(0x36ffe000L);
    }

    @Test
    void currentPae() {
        FixedAreas a = new FixedAreas(Machines.pae(Machines.defaults()));
        assertThat(a.fixaddrStart()).isEqualTo(0xfff3a000L);
        assertThat(a.fixaddrTotStart()).isEqualTo(0xffbfe000L);
        assertThat(a.cpuEntryAreaBase()).isEqualTo(0xffa00000L);
        assertThat(a.ldtBase()).isEqualTo(0xff800000L);
        assertThat(a.pkmapBase()).isEqualTo(0xff600000L);
        assertThat(a.lastPkmap()).isEqualTo(512);
        assertThat(a.vmallocEnd()).isEqualTo(0xff5fe000L);
        assertThat(a.maxMem()).isEqualTo(0x375fe000L);
    }

    @Test
    void legacyPaeReproducesTheDmesgSampleAboveLowmem() {
        // Facts file 1.2, PAE dmesg: pkmap 0xff800000 - 0xffa00000, vmalloc ends 0xff7fe000, MAXMEM 0x377fe000.
        FixedAreas a = new FixedAreas(Machines.generation(Machines.pae(Machines.defaults()), LayoutGeneration.LEGACY));
        assertThat(a.pkmapBase()).isEqualTo(0xff800000L);
        assertThat(a.pkmapBase() + a.lastPkmap() * 4096L).isEqualTo(0xffa00000L);
        assertThat(a.vmallocEnd()).isEqualTo(0xff7fe000L);
        assertThat(a.maxMem()).isEqualTo(0x377fe000L);
        assertThat(a.cpuEntryAreaBase()).isZero();
    }

    @Test
    void legacyNonPaePkmapIsTheFourMibBelowTheFixmap() {
        // Facts file 1.2: "A non-PAE kernel shows pkmap 0xff800000-0xffc00000 (4 MB, 1024 pages)".
        FixedAreas a = new FixedAreas(Machines.generation(Machines.defaults(), LayoutGeneration.LEGACY));
        assertThat(a.pkmapBase()).isEqualTo(0xff800000L);
        assertThat(a.pkmapBase() + a.lastPkmap() * 4096L).isEqualTo(0xffc00000L);
    }

    @Test
    void classicMaxmemIsExactly896MiB() {
        // 2.6 include/asm-i386/page.h: MAXMEM = -__PAGE_OFFSET - __VMALLOC_RESERVE = 4G - 3G - 128M.
        FixedAreas a = new FixedAreas(Machines.generation(Machines.defaults(), LayoutGeneration.CLASSIC));
        assertThat(a.maxMem()).isEqualTo(896L << 20);
        assertThat(a.maxMemPfn()).isEqualTo(0x38000);
        assertThat(a.vmallocEnd()).isEqualTo(0xff7fe000L);
    }

    @Test
    void withoutHighmemVmallocEndsBelowTheLdt() {
        // No kmap slots: 68 permanent + 512 boot + WP_TEST = 581 slots, TOT_START 0xffdba000;
        // cpu_entry 0xffc00000, LDT 0xff800000, VMALLOC_END = LDT_BASE_ADDR - 2 pages.
        FixedAreas a = new FixedAreas(Machines.noHighmem(Machines.defaults()));
        assertThat(a.fixaddrTotStart()).isEqualTo(0xffdba000L);
        assertThat(a.cpuEntryAreaBase()).isEqualTo(0xffc00000L);
        assertThat(a.ldtBase()).isEqualTo(0xff800000L);
        assertThat(a.pkmapBase()).isZero();
        assertThat(a.lastPkmap()).isZero();
        assertThat(a.vmallocEnd()).isEqualTo(0xff7fe000L);
    }

    @Test
    void legacyWithoutHighmemVmallocEndsTwoPagesBelowFixaddrStart() {
        FixedAreas a = new FixedAreas(Machines.noHighmem(Machines.generation(Machines.defaults(), LayoutGeneration.LEGACY)));
        assertThat(a.vmallocEnd()).isEqualTo(a.fixaddrStart() - 2 * 4096);
    }

    @Test
    void classicVmallocStartRoundsUpPastAnEightMibGap() {
        FixedAreas a = new FixedAreas(Machines.generation(Machines.defaults(), LayoutGeneration.CLASSIC));
        assertThat(a.vmallocStart(0xf8000000L)).isEqualTo(0xf8800000L);
        assertThat(a.vmallocStart(0xe0001000L)).isEqualTo(0xe1000000L);
        FixedAreas current = new FixedAreas(Machines.defaults());
        assertThat(current.vmallocStart(0xe0001000L)).isEqualTo(0xe0801000L);
    }

    @Test
    void moreCpusPushPkmapDown() {
        I386Options many = new I386Options(false, VmSplit.VMSPLIT_3G, LayoutGeneration.CURRENT, 128L << 20, true, 64, 32);
        FixedAreas a = new FixedAreas(many);
        assertThat(a.pkmapBase()).isLessThan(new FixedAreas(Machines.defaults()).pkmapBase());
        // Every area still sits on a PMD boundary below the next.
        assertThat(a.cpuEntryAreaBase() % a.pmdSize()).isZero();
        assertThat(a.cpuEntryAreaBase() + a.cpuEntryAreaMapSize()).isLessThanOrEqualTo(a.fixaddrTotStart());
        assertThat(a.ldtBase() + a.pmdSize()).isLessThanOrEqualTo(a.cpuEntryAreaBase());
        assertThat(a.pkmapBase() + a.lastPkmap() * 4096L).isLessThanOrEqualTo(a.ldtBase());
    }
}
