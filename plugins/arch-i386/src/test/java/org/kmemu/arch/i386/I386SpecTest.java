package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.ZoneType;

/** The fixed facts of the spec, the zone rule and the early reservations. */
class I386SpecTest {

    @Test
    void basicFacts() {
        I386Spec spec = new I386Spec(Machines.defaults());
        assertThat(spec.id()).isEqualTo("i386");
        assertThat(spec.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(spec.pageShift()).isEqualTo(12);
        assertThat(spec.virtAddressBits()).isEqualTo(32);
        assertThat(spec.physAddressBits()).isEqualTo(32);
        assertThat(spec.structPageBytes()).isEqualTo(32);
        assertThat(spec.kernelLoadAddress()).isEqualTo(0x1000000L);
        assertThat(spec.zoneTypes()).containsExactly(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM);
        assertThat(spec.description()).isEqualTo(
                "i386, 2-level page tables, HIGHMEM4G, VMSPLIT_3G, current layout, NR_CPUS=8");
        I386Spec pae = new I386Spec(Machines.pae(Machines.defaults()));
        assertThat(pae.physAddressBits()).isEqualTo(36);
        assertThat(pae.description()).startsWith("i386, PAE 3-level page tables, HIGHMEM64G");
        // 2-level: pgd_list + arch_sync_kernel_mappings; PAE: shared kernel PMDs and preallocated user PMDs.
        assertThat(spec.pgdSync()).isEqualTo(org.kmemu.api.PgdSync.PGD_LIST);
        assertThat(spec.prepopulateUserRoot()).isFalse();
        assertThat(pae.pgdSync()).isEqualTo(org.kmemu.api.PgdSync.PREALLOCATE_KERNEL_TABLES);
        assertThat(pae.prepopulateUserRoot()).isTrue();
    }

    @Test
    void noHighmemZone() {
        I386Spec spec = new I386Spec(Machines.noHighmem(Machines.defaults()));
        assertThat(spec.zoneTypes()).containsExactly(ZoneType.DMA, ZoneType.NORMAL);
        KernelLayout l = spec.layout(Machines.biosMap(256L << 20));
        assertThatThrownBy(() -> spec.maxZonePfn(ZoneType.HIGHMEM, l))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("zone: HIGHMEM (expected: one of [DMA, NORMAL])");
    }

    @Test
    void zoneLimitsFollowZoneSizesInit() {
        I386Spec spec = new I386Spec(Machines.defaults());
        KernelLayout l = spec.layout(Machines.fourGibNonPae());
        // DMA = min(MAX_DMA_PFN 4096, max_low_pfn), NORMAL = max_low_pfn, HIGHMEM = max_pfn (arch/x86/mm/init.c)
        assertThat(spec.maxZonePfn(ZoneType.DMA, l)).isEqualTo(4096);
        assertThat(spec.maxZonePfn(ZoneType.NORMAL, l)).isEqualTo(0x36ffe);
        assertThat(spec.maxZonePfn(ZoneType.HIGHMEM, l)).isEqualTo(0xc0000);
        assertThatThrownBy(() -> spec.maxZonePfn(ZoneType.DMA32, l)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dmaZoneShrinksOnATinyMachine() {
        I386Spec spec = new I386Spec(Machines.defaults());
        KernelLayout l = spec.layout(Machines.biosMap(12L << 20));
        assertThat(spec.maxZonePfn(ZoneType.DMA, l)).isEqualTo(3072);
        assertThat(spec.maxZonePfn(ZoneType.HIGHMEM, l)).isEqualTo(3072);
    }

    @Test
    void earlyReservationsByGeneration() {
        var map = Machines.biosMap(256L << 20);
        assertThat(new I386Spec(Machines.defaults()).earlyReservations(map))
                .containsExactly(new MemoryRegion(0, 1L << 20, RegionType.RESERVED));
        assertThat(new I386Spec(Machines.generation(Machines.defaults(), LayoutGeneration.LEGACY)).earlyReservations(map))
                .containsExactly(new MemoryRegion(0, 64L << 10, RegionType.RESERVED));
        assertThat(new I386Spec(Machines.generation(Machines.defaults(), LayoutGeneration.CLASSIC)).earlyReservations(map))
                .containsExactly(new MemoryRegion(0, 4096, RegionType.RESERVED));
    }

    @Test
    void optionsRejectBadValuesDirectly() {
        assertThatThrownBy(() -> new I386Options(false, VmSplit.VMSPLIT_3G, LayoutGeneration.CURRENT, 128L << 20, true, 65, 32))
                .hasMessage("nr-cpus: 65 (expected: 1 to 64, the NR_CPUS range of X86_32 in arch/x86/Kconfig)");
        assertThatThrownBy(() -> new I386Options(false, VmSplit.VMSPLIT_3G, LayoutGeneration.CURRENT, 8L << 20, true, 8, 32))
                .hasMessageStartingWith("vmalloc-reserve: 8388608 (expected: more than VMALLOC_OFFSET");
        assertThatThrownBy(() -> new I386Options(false, VmSplit.VMSPLIT_3G, LayoutGeneration.CURRENT, 128L << 20, true, 8, 30))
                .hasMessageStartingWith("struct-page-bytes: 30");
    }
}
