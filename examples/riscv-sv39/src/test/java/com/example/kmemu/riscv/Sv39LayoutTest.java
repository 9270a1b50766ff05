package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.VirtualArea;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.PluginConfigs;

/**
 * The Sv39 layout against the table of Documentation/arch/riscv/vm-layout.rst ("RISC-V Linux Kernel SV39"),
 * and setup_bootmem()'s numbers for QEMU virt machines.
 */
class Sv39LayoutTest {
    private static final long GIB = 1L << 30;

    static ArchSpec spec(String... overrides) {
        return new Riscv64Architecture().configure(PluginConfigs.of(Riscv64Architecture.class, "kmemu.arch.riscv64", overrides));
    }

    static KernelLayout layout(long ram) {
        ArchSpec spec = spec();
        return spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram)));
    }

    private static VirtualArea area(KernelLayout l, String name) {
        return l.areas().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void areasAreTheDocumentsRows() {
        KernelLayout l = layout(2 * GIB);
        // Start addr | End addr (inclusive) | Size, as vm-layout.rst prints them.
        assertArea(area(l, "fixmap"), 0xffffffc4fea00000L, 0xffffffc4feffffffL, 6L << 20);
        assertArea(area(l, "pci io"), 0xffffffc4ff000000L, 0xffffffc4ffffffffL, 16L << 20);
        assertArea(area(l, "vmemmap"), 0xffffffc500000000L, 0xffffffc5ffffffffL, 4 * GIB);
        assertArea(area(l, "vmalloc"), 0xffffffc600000000L, 0xffffffd5ffffffffL, 64 * GIB);
        assertArea(area(l, "modules"), 0xffffffff00000000L, 0xffffffff7fffffffL, 2 * GIB);
        assertThat(area(l, "kernel").start()).isEqualTo(0xffffffff80000000L);
        assertThat(area(l, "kernel").end()).as("to the top of the address space").isZero();
        assertThat(area(l, "lowmem").start()).as("direct mapping of all physical memory").isEqualTo(0xffffffd600000000L);
        assertThat(l.pageOffset()).isEqualTo(0xffffffd600000000L);
        assertThat(Sv39Layout.PAGE_OFFSET + Sv39Layout.KERN_VIRT_SIZE).as("the direct mapping's 128 GB end")
                .isEqualTo(0xfffffff600000000L);
        assertThat(l.areas()).extracting(VirtualArea::name)
                .as("print_vm_layout()'s order").containsExactly("fixmap", "pci io", "vmemmap", "vmalloc", "modules", "lowmem", "kernel");
    }

    private static void assertArea(VirtualArea a, long start, long lastByte, long size) {
        assertThat(a.start()).as("%s start", a.name()).isEqualTo(start);
        assertThat(a.end() - 1).as("%s end", a.name()).isEqualTo(lastByte);
        assertThat(a.sizeBytes()).as("%s size", a.name()).isEqualTo(size);
    }

    @Test
    void userSpaceIs256GibBelowTheNonCanonicalHole() {
        KernelLayout l = layout(2 * GIB);
        assertThat(l.taskSize()).isEqualTo(0x4000000000L);
        assertThat(spec().virtAddressBits()).isEqualTo(39);
        assertThat(l.vmallocStart()).isEqualTo(0xffffffc600000000L);
        assertThat(l.vmallocEnd()).isEqualTo(l.pageOffset());
        assertThat(l.fixaddrTop()).isEqualTo(0xffffffc4ff000000L);
        assertThat(l.lastPkmap()).as("no highmem, no pkmap").isZero();
    }

    @Test
    void theLinearMapStartsAtTheFirstByteOfRamNotAtPhysicalZero() {
        KernelLayout l = layout(2 * GIB);
        assertThat(l.va(0x80000000L)).isEqualTo(0xffffffd600000000L);
        assertThat(l.va(0x80200000L)).isEqualTo(0xffffffd600200000L);
        assertThat(l.pa(0xffffffd612345678L)).isEqualTo(0x92345678L);
        assertThat(l.highMemory()).isEqualTo(0xffffffd600000000L + 2 * GIB);
        assertThat(l.maxPfn()).isEqualTo(0x100000L).isEqualTo(l.maxLowPfn());
        assertThat(((Sv39Layout) l).minLowPfn()).isEqualTo(0x80000L);
        assertThatThrownBy(() -> l.va(0x1000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("phys_ram_base 0x80000000");
        assertThatThrownBy(() -> l.va(0x100000000L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> l.pa(0xffffffc600001000L)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("virt_to_phys used for non-linear address");
    }

    @Test
    void physRamBaseIsTheFirstRamRoundedDownTo2Mib() {
        ArchSpec spec = spec();
        MemoryMap map = new MemoryMap(List.of(new MemoryRegion(0x80300000L, 512L << 20, RegionType.USABLE)));
        Sv39Layout l = (Sv39Layout) spec.layout(map);
        assertThat(l.physRamBase()).isEqualTo(0x80200000L);
        assertThat(l.va(0x80300000L)).isEqualTo(Sv39Layout.PAGE_OFFSET + 0x100000L);
    }

    @Test
    void theKernelRunsAtKernelLinkAddr() {
        KernelLayout l = layout(2 * GIB);
        assertThat(l.kernelImageVa(0x80200000L)).isEqualTo(0xffffffff80000000L);
        assertThat(l.pa(0xffffffff80001000L)).isEqualTo(0x80201000L);
        assertThat(l.virtAddrValid(0xffffffff80001000L)).isTrue();
    }

    @Test
    void virtAddrValidIsTheLinearMapOfRam() {
        KernelLayout l = layout(2 * GIB);
        assertThat(l.virtAddrValid(l.va(0x80100000L))).isTrue();
        assertThat(l.virtAddrValid(l.highMemory() - 8)).isTrue();
        assertThat(l.virtAddrValid(l.highMemory())).isFalse();
        assertThat(l.virtAddrValid(l.vmallocStart())).as("vmalloc lies below PAGE_OFFSET").isFalse();
        assertThat(l.virtAddrValid(0x1000L)).isFalse();
    }

    @Test
    void twoGibOfQemuVirtIsAllDma32() {
        ArchSpec spec = spec();
        KernelLayout l = layout(2 * GIB);
        assertThat(spec.zoneTypes()).containsExactlyInAnyOrder(ZoneType.DMA32, ZoneType.NORMAL);
        assertThat(spec.maxZonePfn(ZoneType.DMA32, l)).as("RAM ends at 4 GiB").isEqualTo(0x100000L);
        assertThat(spec.maxZonePfn(ZoneType.NORMAL, l)).isEqualTo(0x100000L);
    }

    @Test
    void eightGibSplitsAtFourGibPhysical() {
        ArchSpec spec = spec();
        KernelLayout l = layout(8 * GIB);
        assertThat(l.maxPfn()).isEqualTo((0x80000000L + 8 * GIB) >>> 12);
        assertThat(spec.maxZonePfn(ZoneType.DMA32, l)).as("dma32_phys_limit = 4 GiB").isEqualTo(0x100000L);
        assertThat(spec.maxZonePfn(ZoneType.NORMAL, l)).isEqualTo(0x280000L);
        assertThatThrownBy(() -> spec.maxZonePfn(ZoneType.HIGHMEM, l)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDefaultMapKeepsOpenSbisNoMapRegionOutOfRam() {
        MemoryMap map = spec().defaultMemoryMap(2 * GIB);
        assertThat(map.regions()).containsExactly(
                new MemoryRegion(0x80000000L, 0x60000L, RegionType.RESERVED),
                new MemoryRegion(0x80060000L, 2 * GIB - 0x60000L, RegionType.USABLE));
        assertThat(spec("firmware-reserved = 0").defaultMemoryMap(GIB).regions())
                .containsExactly(new MemoryRegion(0x80000000L, GIB, RegionType.USABLE));
    }

    @Test
    void ramBeyondTheLinearMapsMemoryLimitIsRefused() {
        assertThat(Sv39Layout.MEMORY_LIMIT).isEqualTo(124 * GIB);
        assertThatThrownBy(() -> spec().defaultMemoryMap(128 * GIB)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 124 GiB");
        MemoryMap big = new MemoryMap(List.of(new MemoryRegion(0x80000000L, 125 * GIB, RegionType.USABLE)));
        assertThatThrownBy(() -> spec().layout(big)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory_limit");
        assertThat(spec().layout(new MemoryMap(List.of(new MemoryRegion(0x80000000L, 124 * GIB, RegionType.USABLE)))).maxPfn())
                .isEqualTo((0x80000000L + 124 * GIB) >>> 12);
    }

    /** print_vm_layout() lines, character for character in the kernel's "%12s : 0x%08lx - 0x%08lx   (%4ld GB)" shape. */
    @Test
    void bootPrintsTheVirtualKernelMemoryLayout() {
        assertThat(layout(2 * GIB).bootMessages()).containsExactly(
                "Virtual kernel memory layout:",
                "      fixmap : 0xffffffc4fea00000 - 0xffffffc4ff000000   (6144 kB)",
                "      pci io : 0xffffffc4ff000000 - 0xffffffc500000000   (  16 MB)",
                "     vmemmap : 0xffffffc500000000 - 0xffffffc600000000   (4096 MB)",
                "     vmalloc : 0xffffffc600000000 - 0xffffffd600000000   (  64 GB)",
                "     modules : 0xffffffff00000000 - 0xffffffff80000000   (2048 MB)",
                "      lowmem : 0xffffffd600000000 - 0xffffffd680000000   (2048 MB)",
                "      kernel : 0xffffffff80000000 - 0xffffffffffffffff   (2047 MB)");
    }
}
