package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.VirtualArea;

/** find_low_pfn_range / initmem_init / mem_init of arch/x86/mm/init_32.c on whole machines. */
class I386LayoutTest {

    @Test
    void classicFourGibNonPaeHasExactly896MiBOfLowmem() {
        I386Layout l = Machines.layout(Machines.generation(Machines.defaults(), LayoutGeneration.CLASSIC),
                Machines.fourGibNonPae());
        assertThat(l.maxLowPfn()).isEqualTo(0x38000);
        assertThat(l.maxPfn()).isEqualTo(0xc0000);
        assertThat(l.highMemory()).isEqualTo(0xf8000000L);
        // 2.6 VMALLOC_START: (high_memory + 2*8M - 1) & ~(8M - 1)
        assertThat(l.vmallocStart()).isEqualTo(0xf8800000L);
        assertThat(l.vmallocEnd()).isEqualTo(0xff7fe000L);
        assertThat(l.bootMessages()).containsExactly("2176MB HIGHMEM available.", "896MB LOWMEM available.");
    }

    @Test
    void currentNonPaeWithHighmem() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.fourGibNonPae());
        assertThat(l.pageOffset()).isEqualTo(0xc0000000L);
        assertThat(l.taskSize()).isEqualTo(0xc0000000L);
        assertThat(l.maxLowPfn()).isEqualTo(0x36ffe);
        assertThat(l.highMemory()).isEqualTo(0xf6ffe000L);
        assertThat(l.vmallocStart()).isEqualTo(0xf77fe000L);
        assertThat(l.vmallocEnd()).isEqualTo(0xfeffe000L);
        assertThat(l.pkmapBase()).isEqualTo(0xff000000L);
        assertThat(l.lastPkmap()).isEqualTo(1024);
        assertThat(l.cpuEntryAreaBase()).isEqualTo(0xff800000L);
        assertThat(l.ldtBase()).isEqualTo(0xff400000L);
        assertThat(l.fixaddrStart()).isEqualTo(0xfff3a000L);
        assertThat(l.fixaddrTop()).isEqualTo(0xfffff000L);
        // (0xc0000 - 0x36ffe) >> 8 = 2192; 0x36ffe >> 8 = 879
        assertThat(l.bootMessages()).containsExactly("2192MB HIGHMEM available.", "879MB LOWMEM available.");
    }

    @Test
    void currentPaeWithHighmem() {
        I386Options pae = Machines.pae(Machines.defaults());
        I386Layout l = Machines.layout(pae, new I386Spec(pae).defaultMemoryMap(4L << 30));
        assertThat(l.maxLowPfn()).isEqualTo(0x375fe);
        assertThat(l.highMemory()).isEqualTo(0xf75fe000L);
        assertThat(l.vmallocStart()).isEqualTo(0xf7dfe000L);
        assertThat(l.vmallocEnd()).isEqualTo(0xff5fe000L);
        assertThat(l.pkmapBase()).isEqualTo(0xff600000L);
        assertThat(l.lastPkmap()).isEqualTo(512);
        // The default 4 GiB map ends at 4 GiB + 1 GiB (the RAM past 3 GiB moved above the PCI hole).
        assertThat(l.maxPfn()).isEqualTo(0x140000);
    }

    @Test
    void defaultMapsEndWhereTheRamSizeSays() {
        I386Spec nonPae = new I386Spec(Machines.defaults());
        assertThat(nonPae.layout(nonPae.defaultMemoryMap(512L << 20)).maxPfn()).isEqualTo(0x20000);
        assertThat(nonPae.layout(nonPae.defaultMemoryMap(3L << 30)).maxPfn()).isEqualTo(0xc0000);
        assertThatThrownBy(() -> nonPae.defaultMemoryMap(4L << 30))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than 3 GiB of RAM would need addresses above 4 GiB; set pae = true");
        I386Spec pae = new I386Spec(Machines.pae(Machines.defaults()));
        assertThat(pae.layout(pae.defaultMemoryMap(4L << 30)).maxPfn()).isEqualTo(0x140000);
        assertThat(pae.layout(pae.defaultMemoryMap(8L << 30)).maxPfn()).isEqualTo(0x240000);
        // The 3 GiB default map has the same RAM as the hand-made 4 GiB non-PAE BIOS map.
        assertThat(nonPae.defaultMemoryMap(3L << 30).usable()).isEqualTo(Machines.fourGibNonPae().usable());
    }

    @Test
    void legacyPaeReproducesTheDmesgSample() {
        // Facts file 1.2 (unix.stackexchange.com/questions/5124): pkmap 0xff800000 - 0xffa00000,
        // vmalloc 0xf7ffe000 - 0xff7fe000 (120 MB), lowmem 0xc0000000 - 0xf77fe000 (887 MB).
        // The fixmap line (0xffc57000) differs: that kernel's fixmap had more slots (see Fixmap).
        I386Options o = Machines.generation(Machines.pae(Machines.defaults()), LayoutGeneration.LEGACY);
        I386Layout l = Machines.layout(o, Machines.fourGibNonPae());
        assertThat(l.areas()).containsExactly(
                new VirtualArea("fixmap", 0xfff3a000L, 0xfffff000L),
                new VirtualArea("pkmap", 0xff800000L, 0xffa00000L),
                new VirtualArea("vmalloc", 0xf7ffe000L, 0xff7fe000L),
                new VirtualArea("lowmem", 0xc0000000L, 0xf77fe000L));
        assertThat((l.vmallocEnd() - l.vmallocStart()) >> 20).isEqualTo(120);
        assertThat(l.bootMessages()).last().isEqualTo("887MB LOWMEM available.");
    }

    @Test
    void currentAreasListCpuEntryBetweenFixmapAndPkmap() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.fourGibNonPae());
        assertThat(l.areas()).extracting(VirtualArea::name)
                .containsExactly("fixmap", "cpu_entry", "pkmap", "vmalloc", "lowmem");
        assertThat(l.areas().get(1)).isEqualTo(new VirtualArea("cpu_entry", 0xff800000L, 0xff800000L + 345 * 4096L));
    }

    @Test
    void a512MiBMachineIsAllLowmem() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.biosMap(512L << 20));
        assertThat(l.maxPfn()).isEqualTo(0x20000);
        assertThat(l.maxLowPfn()).isEqualTo(0x20000);
        assertThat(l.highMemory()).isEqualTo(0xe0000000L);
        assertThat(l.vmallocStart()).isEqualTo(0xe0800000L);
        assertThat(l.bootMessages()).containsExactly("0MB HIGHMEM available.", "512MB LOWMEM available.");
    }

    @Test
    void aLargerVmallocReserveLowersTheLowmemLimit() {
        // vmalloc=256M -> __VMALLOC_RESERVE = 256M + 8M (pgtable_32.c parse_vmalloc);
        // MAXMEM = 0xfeffe000 - 0xc0000000 - 0x10800000 = 0x2e7fe000.
        I386Layout big = Machines.layout(Machines.reserve(Machines.defaults(), (256L << 20) + (8L << 20)),
                Machines.fourGibNonPae());
        assertThat(big.maxLowPfn()).isEqualTo(0x2e7fe);
        assertThat(big.maxLowPfn()).isLessThan(Machines.layout(Machines.defaults(), Machines.fourGibNonPae()).maxLowPfn());
        assertThat(big.vmallocEnd() - big.vmallocStart()).isEqualTo(256L << 20);
    }

    @Test
    void vmsplitVariantsMovePageOffsetAndTheLowmemLimit() {
        MemoryMap ram = Machines.fourGibNonPae();
        // MAXMEM = 0xfeffe000 - PAGE_OFFSET - 128M for each split.
        assertThat(lowPfn(VmSplit.VMSPLIT_3G_OPT, ram)).isEqualTo(0x46ffe);
        assertThat(lowPfn(VmSplit.VMSPLIT_2G, ram)).isEqualTo(0x76ffe);
        assertThat(lowPfn(VmSplit.VMSPLIT_2G_OPT, ram)).isEqualTo(0x7effe);
        // 1G split: MAXMEM 0xb6ffe000 (2927 MiB); the rest of the 3 GiB of RAM is highmem.
        I386Layout oneG = Machines.layout(Machines.split(Machines.defaults(), VmSplit.VMSPLIT_1G), ram);
        assertThat(oneG.pageOffset()).isEqualTo(0x40000000L);
        assertThat(oneG.taskSize()).isEqualTo(0x40000000L);
        assertThat(oneG.maxLowPfn()).isEqualTo(0xb6ffe);
        assertThat(oneG.highMemory()).isEqualTo(0xf6ffe000L);
        // 3G_OPT exists so that a 1 GiB machine has no highmem.
        I386Layout opt = Machines.layout(Machines.split(Machines.defaults(), VmSplit.VMSPLIT_3G_OPT),
                Machines.biosMap(1L << 30));
        assertThat(opt.maxLowPfn()).isEqualTo(opt.maxPfn()).isEqualTo(0x40000);
        assertThat(opt.highMemory()).isEqualTo(0xf0000000L);
    }

    private static long lowPfn(VmSplit split, MemoryMap ram) {
        return Machines.layout(Machines.split(Machines.defaults(), split), ram).maxLowPfn();
    }

    @Test
    void paAndVaRoundTripInLowmem() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.fourGibNonPae());
        assertThat(l.va(0)).isEqualTo(0xc0000000L);
        assertThat(l.va(0x1000000)).isEqualTo(0xc1000000L);
        assertThat(l.pa(0xc1000000L)).isEqualTo(0x1000000);
        long lastLowByte = (l.maxLowPfn() << 12) - 1;
        assertThat(l.pa(l.va(lastLowByte))).isEqualTo(lastLowByte);
        assertThat(l.va(lastLowByte)).isEqualTo(l.highMemory() - 1);
        assertThat(l.kernelImageVa(0x1000000)).isEqualTo(0xc1000000L);
    }

    @Test
    void paRefusesUserVmallocAndPkmapAddresses() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.fourGibNonPae());
        assertThatThrownBy(() -> l.pa(l.highMemory()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("__pa: 0xf6ffe000 (expected: a lowmem address in [0xc0000000, 0xf6ffe000),"
                        + " PAGE_OFFSET to high_memory)");
        assertThatThrownBy(() -> l.pa(l.vmallocStart())).hasMessageStartingWith("__pa: 0xf77fe000");
        assertThatThrownBy(() -> l.pa(l.pkmapBase())).hasMessageStartingWith("__pa: 0xff000000");
        assertThatThrownBy(() -> l.pa(0x08048000L)).hasMessageStartingWith("__pa: 0x08048000");
    }

    @Test
    void vaRefusesHighmemAndNegativeAddresses() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.fourGibNonPae());
        assertThatThrownBy(() -> l.va(0x36ffe000L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("__va: 0x36ffe000 (expected: a lowmem physical address below 0x36ffe000,"
                        + " max_low_pfn 0x36ffe; highmem has no direct mapping, use kmap)");
        assertThatThrownBy(() -> l.va(0xbfff0000L)).hasMessageStartingWith("__va: 0xbfff0000");
        assertThatThrownBy(() -> l.va(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void virtAddrValidIsExactlyTheDirectMap() {
        I386Layout l = Machines.layout(Machines.defaults(), Machines.fourGibNonPae());
        assertThat(l.virtAddrValid(0xc0000000L)).isTrue();
        assertThat(l.virtAddrValid(l.highMemory() - 1)).isTrue();
        assertThat(l.virtAddrValid(l.highMemory())).isFalse();
        assertThat(l.virtAddrValid(0xbfffffffL)).isFalse();
        assertThat(l.virtAddrValid(l.vmallocStart())).isFalse();
        assertThat(l.virtAddrValid(l.pkmapBase())).isFalse();
        assertThat(l.virtAddrValid(0xfffff000L)).isFalse();
    }

    @Test
    void withoutHighmemRamAboveLowmemIsDroppedWithTheKernelsWarning() {
        I386Layout l = Machines.layout(Machines.noHighmem(Machines.defaults()), Machines.fourGibNonPae());
        // MAXMEM 0x377fe000 (VMALLOC_END below the LDT): 887 MiB.
        assertThat(l.maxPfn()).isEqualTo(0x377fe);
        assertThat(l.maxLowPfn()).isEqualTo(0x377fe);
        assertThat(l.lastPkmap()).isZero();
        assertThat(l.pkmapBase()).isZero();
        assertThat(l.areas()).extracting(VirtualArea::name).containsExactly("fixmap", "cpu_entry", "vmalloc", "lowmem");
        assertThat(l.bootMessages()).containsExactly(
                "Warning only 887MB will be used.", "Use a HIGHMEM enabled kernel.", "887MB LOWMEM available.");
    }

    @Test
    void withoutHighmemPaeRamAbove4GibAsksForHighmem64G() {
        I386Options o = Machines.noHighmem(Machines.pae(Machines.defaults()));
        I386Layout l = Machines.layout(o, new I386Spec(o).defaultMemoryMap(6L << 30));
        assertThat(l.bootMessages()).element(1).isEqualTo("Use a HIGHMEM64G enabled kernel.");
    }

    @Test
    void ramAbove4GibWithoutPaeIsRefusedNamingTheLimit() {
        MemoryMap above = new MemoryMap(List.of(
                new MemoryRegion(0, 0x9fc00, RegionType.USABLE),
                new MemoryRegion(0x100000, 0xbff00000L, RegionType.USABLE),
                new MemoryRegion(0x100000000L, 1L << 30, RegionType.USABLE)));
        I386Spec spec = new I386Spec(Machines.defaults());
        assertThatThrownBy(() -> spec.layout(above))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max_pfn: 0x140000 (expected: at most 0x100000, the 4 GiB that 32-bit physical"
                        + " addresses reach; only 4GB can be used without PAE (HIGHMEM64G))");
        KernelLayout pae = new I386Spec(Machines.pae(Machines.defaults())).layout(above);
        assertThat(pae.maxPfn()).isEqualTo(0x140000);
    }

    @Test
    void memInitBugOnBecomesAnError() {
        // Classic with a 16 MiB reserve: lowmem would end at 0xff000000, and VMALLOC_START, rounded up
        // past the 8 MiB gap, lands on 0xff800000, above VMALLOC_END 0xff7fe000.
        I386Options o = Machines.reserve(Machines.generation(Machines.defaults(), LayoutGeneration.CLASSIC), 16L << 20);
        assertThatThrownBy(() -> new I386Spec(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("mem_init: BUG_ON(VMALLOC_START >= VMALLOC_END): VMALLOC_START 0xff800000,"
                        + " VMALLOC_END 0xff7fe000");
    }

    @Test
    void aReserveThatLeavesNoRoomForTheKernelImageIsRefused() {
        I386Options o = Machines.reserve(Machines.defaults(), 1000L << 20);
        assertThatThrownBy(() -> new I386Spec(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("MAXMEM: ")
                .hasMessageContaining("expected: above CONFIG_PHYSICAL_START 0x1000000");
    }
}
