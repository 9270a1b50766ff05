package org.kmemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

class BootTest {

    @Test
    void x86ZonesSpanTheHoles() {
        Machine m = TestMachines.x86_64(4L << 30);
        List<ZoneSpan> zones = m.populatedZones();
        assertThat(zones).extracting(ZoneSpan::type).containsExactly(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL);
        // Exactly the real sample's DMA zone: pfn 0 is not RAM, 0x9f-0xff is the legacy hole, the first MiB is reserved.
        assertThat(zones.get(0)).isEqualTo(new ZoneSpan(ZoneType.DMA, 1, 4095, 3998, 3840));
        ZoneSpan dma32 = zones.get(1);
        assertThat(dma32.startPfn()).isEqualTo(4096);
        // DMA32 spans up to 4 GiB, the PCI hole [3G, 4G) included, but only the RAM below 3 GiB is present.
        assertThat(dma32.spannedPages()).isEqualTo((1L << 20) - 4096);
        assertThat(dma32.presentPages()).isEqualTo((3L << 18) - 4096);
        assertThat(dma32.managedPages()).isLessThan(dma32.presentPages());
        assertThat(zones.get(2)).extracting(ZoneSpan::startPfn, ZoneSpan::spannedPages, ZoneSpan::presentPages)
                .containsExactly(1L << 20, 1L << 18, 1L << 18);
        // All free but mem_init's preallocate_vmalloc_pages: 64 PUD pages for 32 TiB of vmalloc space.
        assertThat(m.mmu().kernelTables().preallocatedTablePages()).isEqualTo(64);
        assertThat(m.nrFreePages()).isEqualTo(m.totalRamPages() - 64);
    }

    @Test
    void x86BootLogHasTheKernelsZoneLines() {
        List<String> log = TestMachines.x86_64(4L << 30).log().texts();
        assertThat(log).containsSubsequence(
                "Zone ranges:",
                "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
                "  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]",
                "  Normal   [mem 0x0000000100000000-0x000000013fffffff]",
                "Movable zone start for each node",
                "Early memory node ranges",
                "  node   0: [mem 0x0000000000001000-0x000000000009efff]",
                "  node   0: [mem 0x0000000000100000-0x00000000bfffffff]",
                "  node   0: [mem 0x0000000100000000-0x000000013fffffff]",
                "On node 0, zone DMA: 97 pages in unavailable ranges");
        assertThat(log).anySatisfy(l -> assertThat(l).matches("Memory: \\d+K/\\d+K available \\(\\d+K kernel code, \\d+K rwdata,"
                + " \\d+K rodata, \\d+K init, \\d+K bss, \\d+K reserved, 0K cma-reserved\\)"));
    }

    @Test
    void emptyZoneIsPrintedAsEmpty() {
        Machine m = TestMachines.x86_64(2L << 30);
        assertThat(m.log().texts()).contains("  Normal   empty");
        assertThat(m.zones()).extracting(ZoneRange::type).containsExactly(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL);
        assertThat(m.zones().get(2).populated()).isFalse();
    }

    @Test
    void i386SplitsLowmemAndHighmem() {
        Machine m = TestMachines.i386(2L << 30);
        List<ZoneSpan> zones = m.populatedZones();
        assertThat(zones).extracting(ZoneSpan::type).containsExactly(ZoneType.DMA, ZoneType.NORMAL, ZoneType.HIGHMEM);
        long maxLow = (896L << 20) >> 12;
        assertThat(m.layout().maxLowPfn()).isEqualTo(maxLow);
        assertThat(zones.get(1).endPfn()).isEqualTo(maxLow);
        assertThat(zones.get(2)).isEqualTo(new ZoneSpan(ZoneType.HIGHMEM, maxLow, (2L << 18) - maxLow,
                (2L << 18) - maxLow, (2L << 18) - maxLow));
        List<String> log = m.log().texts();
        assertThat(log).containsSubsequence("1152MB HIGHMEM available.", "896MB LOWMEM available.", "Zone ranges:",
                "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
                "  Normal   [mem 0x0000000001000000-0x0000000037ffffff]",
                "  HighMem  [mem 0x0000000038000000-0x000000007fffffff]");
        assertThat(log).anySatisfy(l -> assertThat(l).startsWith("Memory: ").endsWith(", 1179648K highmem)"));
    }

    @Test
    void sizeInDecimalKilobytesIsRejected() {
        // HOCON reads "kB" as 1000 bytes, so 4000kB is 4,000,000 bytes: not a whole number of pages.
        long bytes = new TypesafeConfigView(ConfigFactory.parseString("kmemu.memory.size = 4000kB"), "kmemu")
                .getBytes("memory.size");
        assertThat(bytes).isEqualTo(4_000_000L);
        MachineConfig config = TestMachines.config("x86_64", bytes, 1);
        assertThatThrownBy(() -> Boot.boot(config, new X86_64TestArch(), new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(TestMachines.ORIGIN + ": kmemu.memory.size: 4000000 bytes")
                .hasMessageContaining("not a whole number of 4096-byte pages");
    }

    @Test
    void tooMuchRamForTheArchitectureIsAConfigError() {
        MachineConfig config = TestMachines.config("i386", 4L << 30, 1);
        assertThatThrownBy(() -> Boot.boot(config, new I386TestArch(), new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(TestMachines.ORIGIN + ": kmemu.memory.size: ");
    }
}
