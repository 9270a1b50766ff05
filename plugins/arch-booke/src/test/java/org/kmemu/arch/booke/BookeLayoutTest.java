package org.kmemu.arch.booke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.VirtualArea;
import org.kmemu.api.ZoneType;
import org.junit.jupiter.api.Test;

/** Layouts against linux-mm-facts §3 (init_32.c, nohash/32/pgtable.h, fixmap.h, highmem.h, mem.c). */
class BookeLayoutTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    static BookeSpec spec() {
        return new BookeSpec(BookeOptions.defaults(true, false));
    }

    static BookeLayout layout(BookeSpec s, long ram) {
        return (BookeLayout) s.layout(s.defaultMemoryMap(ram));
    }

    @Test
    void fiveHundredTwelveMibHasNoHighmem() {
        BookeSpec s = spec();
        BookeLayout l = layout(s, 512 * MIB);
        assertThat(l.maxLowPfn()).isEqualTo(0x20000);
        assertThat(l.maxPfn()).isEqualTo(0x20000);
        assertThat(l.highMemory()).isEqualTo(0xe0000000L);
        // (0xe0000000 + 16M) & ~(16M - 1): the 0xe1000000 of a 512 MiB ppc32 boot log
        assertThat(l.vmallocStart()).isEqualTo(0xe1000000L);
        assertThat(s.maxZonePfn(ZoneType.NORMAL, l)).isEqualTo(0x20000);
        assertThat(s.maxZonePfn(ZoneType.HIGHMEM, l)).isEqualTo(0x20000); // empty HighMem zone
        assertThat(l.bootMessages().get(0)).isEqualTo("Memory CAM mapping: 256/256 Mb, residual: 0Mb");
    }

    @Test
    void sevenHundredSixtyEightMib() {
        BookeLayout l = layout(spec(), 768 * MIB);
        assertThat(l.highMemory()).isEqualTo(0xf0000000L);
        assertThat(l.vmallocStart()).isEqualTo(0xf1000000L); // facts §3.4
        assertThat(l.maxLowPfn()).isEqualTo(0x30000);
        assertThat(l.cams().camSizes()).containsExactly(256 * MIB, 256 * MIB, 256 * MIB);
    }

    @Test
    void twoGibHasHighmem() {
        BookeSpec s = spec();
        BookeLayout l = layout(s, 2 * GIB);
        // facts §3.2: lowmem phys 0-0x2fffffff at 0xc0000000-0xefffffff, high_memory 0xf0000000
        assertThat(l.maxLowPfn()).isEqualTo(0x30000);
        assertThat(l.maxPfn()).isEqualTo(0x80000);
        assertThat(l.highMemory()).isEqualTo(0xf0000000L);
        assertThat(s.zoneTypes()).containsExactlyInAnyOrder(ZoneType.NORMAL, ZoneType.HIGHMEM);
        assertThat(s.maxZonePfn(ZoneType.NORMAL, l)).isEqualTo(0x30000);
        assertThat(s.maxZonePfn(ZoneType.HIGHMEM, l)).isEqualTo(0x80000);
        assertThatThrownBy(() -> s.maxZonePfn(ZoneType.DMA, l)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zone: DMA");
        // fixmap: 32 early-debug + 16 * 4 kmap + 1024 btmap slots below 0xfffff000
        assertThat(l.fixaddrTop()).isEqualTo(0xfffff000L);
        assertThat(l.fixaddrStart()).isEqualTo(0xffb9f000L);
        assertThat(l.lastPkmap()).isEqualTo(1024);
        assertThat(l.pkmapBase()).isEqualTo(0xff400000L);
        assertThat(l.vmallocEnd()).isEqualTo(0xff400000L); // ioremap_bot = IOREMAP_TOP = PKMAP_BASE
        assertThat(l.taskSize()).isEqualTo(0xc0000000L);
        assertThat(l.pageOffset()).isEqualTo(0xc0000000L);
        assertThat(l.areas()).containsExactly(
                new VirtualArea("fixmap", 0xffb9f000L, 0xfffff000L),
                new VirtualArea("highmem PTEs", 0xff400000L, 0xff800000L),
                new VirtualArea("vmalloc & ioremap", 0xf1000000L, 0xff400000L),
                new VirtualArea("lowmem", 0xc0000000L, 0xf0000000L));
        assertThat(l.bootMessages()).containsExactly(
                "Memory CAM mapping: 256/256/256 Mb, residual: 1280Mb",
                "Kernel virtual memory layout:",
                "  * 0xffb9f000..0xfffff000  : fixmap",
                "  * 0xff400000..0xff800000  : highmem PTEs",
                "  * 0xf1000000..0xff400000  : vmalloc & ioremap");
    }

    @Test
    void pte64bitHalvesThePkmap() {
        BookeSpec s = new BookeSpec(BookeOptions.defaults(true, true));
        BookeLayout l = layout(s, 2 * GIB);
        // facts §3.4: an 85xx board with PTE_64BIT shows highmem PTEs 0xff800000..0xffa00000
        assertThat(l.lastPkmap()).isEqualTo(512);
        assertThat(l.pkmapBase()).isEqualTo(0xff800000L);
        assertThat(l.areas().get(1)).isEqualTo(new VirtualArea("highmem PTEs", 0xff800000L, 0xffa00000L));
        assertThat(s.physAddressBits()).isEqualTo(36);
        // 36 bits take RAM above 4 GiB
        BookeLayout big = layout(s, 5 * GIB);
        assertThat(big.maxPfn()).isEqualTo(0x140000);
        assertThat(big.maxLowPfn()).isEqualTo(0x30000);
    }

    @Test
    void withoutHighmemRamAboveLowmemIsDropped() {
        BookeSpec s = new BookeSpec(BookeOptions.defaults(false, false));
        BookeLayout l = layout(s, 2 * GIB);
        assertThat(l.maxPfn()).isEqualTo(0x30000);
        assertThat(l.maxLowPfn()).isEqualTo(0x30000);
        assertThat(l.lastPkmap()).isZero();
        assertThat(l.pkmapBase()).isZero();
        assertThat(l.fixaddrStart()).isEqualTo(0xfffff000L - (32 + 1024) * 4096L);
        assertThat(l.vmallocEnd()).isEqualTo(l.fixaddrStart()); // KVIRT_TOP = FIXADDR_START
        assertThat(s.zoneTypes()).containsExactly(ZoneType.NORMAL);
        assertThat(l.areas()).extracting(VirtualArea::name).containsExactly("fixmap", "vmalloc & ioremap", "lowmem");
        assertThatThrownBy(() -> s.maxZonePfn(ZoneType.HIGHMEM, l)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void camsLimitLowmem() {
        BookeSpec s = spec();
        // 100 MiB: 64M + 16M + 16M; the last 4 MiB cannot be covered by a third-or-later CAM
        BookeLayout l = layout(s, 100 * MIB);
        assertThat(l.cams().camSizes()).containsExactly(64 * MIB, 16 * MIB, 16 * MIB);
        assertThat(l.maxLowPfn()).isEqualTo((96 * MIB) >>> 12);
        assertThat(l.maxPfn()).isEqualTo((100 * MIB) >>> 12);
        assertThat(l.bootMessages().get(0)).isEqualTo("Memory CAM mapping: 64/16/16 Mb, residual: 4Mb");
        BookeLayout noHigh = layout(new BookeSpec(BookeOptions.defaults(false, false)), 100 * MIB);
        assertThat(noHigh.maxPfn()).isEqualTo((96 * MIB) >>> 12);
        // e500v1 tops out at 256 MiB pages; one CAM maps only 256 MiB
        BookeOptions one = new BookeOptions(0xc0000000L, 0, 0xc0000000L, 768 * MIB, true, false, 32, 1,
                256 * MIB, 4, 16);
        assertThat(new BookeSpec(one).layout(s.defaultMemoryMap(GIB)).maxLowPfn()).isEqualTo(0x10000);
    }

    @Test
    void virtPhysOffsetWithNonZeroPhysicalStart() {
        BookeOptions o = new BookeOptions(0xc0000000L, 0x10000000L, 0xc0000000L, 768 * MIB, true, false, 32, 3,
                4 * GIB, 4, 16);
        BookeSpec s = new BookeSpec(o);
        MemoryMap map = s.defaultMemoryMap(GIB);
        assertThat(map.regions()).containsExactly(new MemoryRegion(0x10000000L, GIB, RegionType.USABLE));
        assertThat(s.kernelLoadAddress()).isEqualTo(0x10000000L);
        BookeLayout l = (BookeLayout) s.layout(map);
        assertThat(l.virtPhysOffset()).isEqualTo(0xb0000000L);
        assertThat(l.va(0x10000000L)).isEqualTo(0xc0000000L);
        assertThat(l.pa(0xc0000000L)).isEqualTo(0x10000000L);
        assertThat(l.maxLowPfn()).isEqualTo(0x40000);
        assertThat(l.highMemory()).isEqualTo(0xf0000000L);
        assertThat(l.maxPfn()).isEqualTo(0x50000);
        assertThatThrownBy(() -> l.va(0x0fffffffL)).isInstanceOf(IllegalArgumentException.class);
        // RAM below MEMORY_START has no __va
        assertThatThrownBy(() -> s.layout(new MemoryMap(List.of(new MemoryRegion(0, GIB, RegionType.USABLE)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MEMORY_START 0x10000000");
    }

    @Test
    void misalignedPhysicalStartShrinksTheCams() {
        BookeOptions o = new BookeOptions(0xc0000000L, 0x1000000L, 0xc0000000L, 768 * MIB, true, false, 32, 3,
                4 * GIB, 4, 16);
        BookeLayout l = (BookeLayout) new BookeSpec(o).layout(new BookeSpec(o).defaultMemoryMap(GIB));
        // ffs(0xc0000000 | 0x01000000) = 24: 16 MiB entries only
        assertThat(l.cams().camSizes()).containsExactly(16 * MIB, 16 * MIB, 16 * MIB);
        assertThat(l.highMemory()).isEqualTo(0xc3000000L);
    }

    @Test
    void paAndVaRoundTripInLowmemOnly() {
        BookeLayout l = layout(spec(), 2 * GIB);
        for (long p : new long[] {0, 0x1000, 0x2fffffffL}) {
            assertThat(l.pa(l.va(p))).isEqualTo(p);
            assertThat(l.va(p)).isEqualTo(0xc0000000L + p);
            assertThat(l.virtAddrValid(l.va(p))).isTrue();
        }
        for (long v : new long[] {0xbfffffffL, 0xf0000000L, 0xf1000000L, 0xff400000L, 0x1_0000_0000L}) {
            assertThat(l.virtAddrValid(v)).isFalse();
            assertThatThrownBy(() -> l.pa(v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("high_memory 0xf0000000");
        }
        // highmem frames have no direct-map address
        assertThatThrownBy(() -> l.va(0x30000000L)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kmap");
        assertThat(l.kernelImageVa(0x1000)).isEqualTo(0xc0001000L);
    }

    @Test
    void ramBeyondThirtyTwoBitsNeedsPhys64() {
        BookeSpec s = spec();
        assertThatThrownBy(() -> s.defaultMemoryMap(5 * GIB)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("phys-64bit");
        MemoryMap high = new MemoryMap(List.of(new MemoryRegion(0, GIB, RegionType.USABLE),
                new MemoryRegion(4 * GIB, GIB, RegionType.USABLE)));
        assertThatThrownBy(() -> s.layout(high)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32-bit physical limit");
        assertThatThrownBy(() -> s.defaultMemoryMap(100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void specFacts() {
        BookeSpec s = spec();
        assertThat(s.byteOrder()).isEqualTo(java.nio.ByteOrder.BIG_ENDIAN);
        assertThat(s.pageShift()).isEqualTo(12);
        assertThat(s.virtAddressBits()).isEqualTo(32);
        assertThat(s.physAddressBits()).isEqualTo(32);
        assertThat(s.structPageBytes()).isEqualTo(32);
        assertThat(s.kernelLoadAddress()).isZero();
        assertThat(s.earlyReservations(s.defaultMemoryMap(GIB))).isEmpty();
        assertThat(s.defaultMemoryMap(GIB).regions()).containsExactly(new MemoryRegion(0, GIB, RegionType.USABLE));
        assertThat(s.id()).isEqualTo("booke");
    }
}
