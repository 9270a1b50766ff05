package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The enum fixed_addresses counts of arch/x86/include/asm/fixmap.h, for our typical SMP config. */
class FixmapTest {

    @Test
    void permanentSlotsAreFourLeadingPlus64IoApicsPlus16KmapsPerCpuPlusMcfg() {
        // FIX_HOLE, DBGP, EARLYCON, APIC = 4; IO-APIC 64 (apicdef.h); FIX_KMAP_BEGIN at 68;
        // KM_MAX_IDX 16 * 8 CPUs = 128 (kmap_size.h); FIX_PCIE_MCFG 1: 197.
        Fixmap f = new Fixmap(true, 8, 1024);
        assertThat(f.kmapBegin()).isEqualTo(68);
        assertThat(f.kmapSlotsPerCpu()).isEqualTo(16);
        assertThat(f.endOfPermanent()).isEqualTo(197);
    }

    @Test
    void bootSlotsStayPutWhenTheyFitOnePageTable() {
        // Non-PAE: PTRS_PER_PTE 1024; slots 197..708 lie in the same 1024-slot table.
        Fixmap f = new Fixmap(true, 8, 1024);
        assertThat(f.btmapEnd()).isEqualTo(197);
        assertThat(f.endOfFixed()).isEqualTo(197 + 512 + 1); // + FIX_WP_TEST
    }

    @Test
    void bootSlotsMoveToThe512BoundaryWhenTheyWouldStraddleAPaeTable() {
        // PAE: PTRS_PER_PTE 512; 197..708 crosses 512, so FIX_BTMAP_END = 197 + 512 - 197 = 512.
        Fixmap f = new Fixmap(true, 8, 512);
        assertThat(f.btmapEnd()).isEqualTo(512);
        assertThat(f.endOfFixed()).isEqualTo(512 + 512 + 1);
    }

    @Test
    void withoutKmapLocalThereAreNoKmapOrMcfgSlots() {
        Fixmap f = new Fixmap(false, 8, 1024);
        assertThat(f.endOfPermanent()).isEqualTo(68);
        assertThat(f.kmapBegin()).isEqualTo(-1);
        assertThat(f.kmapSlotsPerCpu()).isZero();
    }

    @Test
    void kmapSlotsScaleWithNrCpus() {
        assertThat(new Fixmap(true, 1, 1024).endOfPermanent()).isEqualTo(68 + 16 + 1);
        assertThat(new Fixmap(true, 64, 1024).endOfPermanent()).isEqualTo(68 + 1024 + 1);
    }

    @Test
    void nonPaeBootSlotsMoveOnlyWhenTheyCrossA1024SlotTable() {
        // 30 CPUs: permanent 69 + 480 = 549; 549..1060 crosses 1024 -> FIX_BTMAP_END = 549 + 512 - (549 & 511) = 1024.
        assertThat(new Fixmap(true, 30, 1024).btmapEnd()).isEqualTo(1024);
        // 64 CPUs: permanent 1093; 1093..1604 stays inside the 1024..2047 table -> not moved.
        assertThat(new Fixmap(true, 64, 1024).btmapEnd()).isEqualTo(1093);
    }
}
