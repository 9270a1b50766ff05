package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.VirtualArea;
import org.junit.jupiter.api.Test;

/** Addresses against Documentation/arch/x86/x86_64/mm.rst and the headers it summarises. */
class X86_64LayoutTest {
    static final long GIB = 1L << 30;
    static final long TIB = 1L << 40;

    static X86_64Spec spec(int levels) {
        return new X86_64Spec(X86_64Options.defaults(levels));
    }

    static KernelLayout layout(int levels, long ramBytes) {
        X86_64Spec s = spec(levels);
        return s.layout(s.defaultMemoryMap(ramBytes));
    }

    /** mm.rst gives inclusive ends; a VirtualArea holds the exclusive end. */
    static VirtualArea area(String name, long start, long inclusiveEnd) {
        return new VirtualArea(name, start, inclusiveEnd + 1);
    }

    @Test
    void fourLevelAreasMatchMmRst() {
        KernelLayout l = layout(4, 16 * GIB);
        assertThat(l.areas()).containsExactly(
                area("guard hole", 0xffff800000000000L, 0xffff87ffffffffffL),
                area("LDT remap", 0xffff880000000000L, 0xffff887fffffffffL),
                area("direct map", 0xffff888000000000L, 0xffffc87fffffffffL),
                area("vmalloc", 0xffffc90000000000L, 0xffffe8ffffffffffL),
                area("vmemmap", 0xffffea0000000000L, 0xffffeaffffffffffL),
                area("cpu_entry_area", 0xfffffe0000000000L, 0xfffffe7fffffffffL),
                area("espfix", 0xffffff0000000000L, 0xffffff7fffffffffL),
                area("EFI", 0xffffffef00000000L, 0xfffffffeffffffffL),
                area("kernel text", 0xffffffff80000000L, 0xffffffff9fffffffL),
                area("modules", 0xffffffffa0000000L, 0xfffffffffeffffffL),
                area("fixmap", 0xffffffffff577000L, 0xffffffffff5fffffL),
                area("vsyscall", 0xffffffffff600000L, 0xffffffffff600fffL));
        // sizes as mm.rst states them
        assertThat(l.areas().get(2).sizeBytes()).isEqualTo(64 * TIB);
        assertThat(l.areas().get(3).sizeBytes()).isEqualTo(32 * TIB);
        assertThat(l.areas().get(9).sizeBytes()).isEqualTo(1520L << 20);
    }

    @Test
    void fiveLevelAreasMatchMmRst() {
        KernelLayout l = layout(5, 16 * GIB);
        long pib = 1L << 50;
        assertThat(l.areas()).startsWith(
                area("guard hole", 0xff00000000000000L, 0xff0fffffffffffffL),
                area("LDT remap", 0xff10000000000000L, 0xff10ffffffffffffL),
                area("direct map", 0xff11000000000000L, 0xff90ffffffffffffL),
                area("vmalloc", 0xffa0000000000000L, 0xffd1ffffffffffffL),
                area("vmemmap", 0xffd4000000000000L, 0xffd5ffffffffffffL));
        assertThat(l.areas().get(2).sizeBytes()).isEqualTo(32 * pib);
        assertThat(l.areas().get(3).sizeBytes()).isEqualTo(12800 * TIB); // 12.5 PB
        // "Identical layout to the 47-bit one from here on"
        assertThat(l.areas().subList(5, l.areas().size()))
                .isEqualTo(layout(4, 16 * GIB).areas().subList(5, 12));
    }

    @Test
    void areasAreInAddressOrderAndDisjoint() {
        for (int levels : new int[] {4, 5}) {
            List<VirtualArea> a = layout(levels, 4 * GIB).areas();
            for (int i = 1; i < a.size(); i++) {
                assertThat(Long.compareUnsigned(a.get(i - 1).end(), a.get(i).start())).isLessThanOrEqualTo(0);
            }
        }
    }

    @Test
    void fourLevelScalars() {
        KernelLayout l = layout(4, 16 * GIB);
        // page_64_types.h: __PAGE_OFFSET_BASE_L4, TASK_SIZE_MAX = (1 << 47) - PAGE_SIZE
        assertThat(l.pageOffset()).isEqualTo(0xffff888000000000L);
        assertThat(l.taskSize()).isEqualTo(0x00007ffffffff000L);
        // pgtable_64_types.h: VMALLOC_END = VMALLOC_START + (32 << 40) - 1, inclusive
        assertThat(l.vmallocStart()).isEqualTo(0xffffc90000000000L);
        assertThat(l.vmallocEnd() - 1).isEqualTo(0xffffe8ffffffffffL);
        // fixmap.h: FIXADDR_TOP = round_up(VSYSCALL_ADDR + PAGE_SIZE, PMD_SIZE) - PAGE_SIZE
        assertThat(l.fixaddrTop()).isEqualTo(0xffffffffff7ff000L);
        assertThat(l.fixaddrStart()).isEqualTo(0xffffffffff7ff000L - 648L * 4096);
        assertThat(l.lastPkmap()).isZero();
        assertThat(l.pkmapBase()).isZero();
        // 16 GiB: RAM to 3 GiB, then 13 GiB from 4 GiB up: max_pfn at 17 GiB
        assertThat(l.maxPfn()).isEqualTo(0x440000L);
        assertThat(l.maxLowPfn()).isEqualTo(l.maxPfn());
        assertThat(l.highMemory()).isEqualTo(0xffff888000000000L + (0x440000L << 12));
    }

    @Test
    void fiveLevelScalars() {
        KernelLayout l = layout(5, 16 * GIB);
        assertThat(l.pageOffset()).isEqualTo(0xff11000000000000L);
        assertThat(l.taskSize()).isEqualTo(0x00fffffffffff000L);
        assertThat(l.vmallocStart()).isEqualTo(0xffa0000000000000L);
        assertThat(l.vmallocEnd()).isEqualTo(0xffd2000000000000L);
        assertThat(l.fixaddrTop()).isEqualTo(0xffffffffff7ff000L);
    }

    @Test
    void directMapRoundTrips() {
        KernelLayout l = layout(4, 16 * GIB);
        for (long p : new long[] {0, 0x1000, 0x9fbff, 0xbfffffffL, 0x100000000L, (0x440000L << 12) - 1}) {
            long v = l.va(p);
            assertThat(v).isEqualTo(0xffff888000000000L + p);
            assertThat(l.pa(v)).isEqualTo(p);
            assertThat(l.virtAddrValid(v)).isTrue();
        }
    }

    @Test
    void kernelTextTranslatesWithPhysBaseZero() {
        KernelLayout l = layout(4, 16 * GIB);
        // __START_KERNEL = __START_KERNEL_map + CONFIG_PHYSICAL_START
        assertThat(l.kernelImageVa(0x1000000)).isEqualTo(0xffffffff81000000L);
        assertThat(l.pa(0xffffffff81000000L)).isEqualTo(0x1000000L);
        assertThat(l.pa(0xffffffff9fffffffL)).isEqualTo(0x1fffffffL);
        assertThat(l.pa(l.kernelImageVa(0x1234567))).isEqualTo(0x1234567L);
        assertThat(l.virtAddrValid(0xffffffff81000000L)).isTrue();
        assertThatThrownBy(() -> l.kernelImageVa(512L << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KERNEL_IMAGE_SIZE");
    }

    @Test
    void paRejectsNonLinearAddresses() {
        KernelLayout l = layout(4, 16 * GIB);
        long[] bad = {
            0xffffc90000000000L,            // vmalloc
            0xffffffffa0000000L,            // modules: past the 512 MiB image mapping
            0xffffffffff600000L,            // vsyscall
            0x00007fff00000000L,            // user
            0xffff888000000000L + (0x440000L << 12), // high_memory itself
            0xffff887fffffffffL,            // just below PAGE_OFFSET
        };
        for (long v : bad) {
            assertThatThrownBy(() -> l.pa(v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.format("0x%016x", v))
                    .hasMessageContaining("non-linear");
            assertThat(l.virtAddrValid(v)).isFalse();
        }
    }

    @Test
    void vaOnlyBelowMaxPfn() {
        KernelLayout l = layout(4, 512L << 20);
        long end = l.maxPfn() << 12;
        assertThat(l.va(end - 1)).isEqualTo(0xffff888000000000L + end - 1);
        assertThatThrownBy(() -> l.va(end)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_pfn");
        assertThatThrownBy(() -> l.va(-1L)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void virtAddrValidFollowsSections() {
        KernelLayout l = layout(4, 8 * GIB);
        // the PCI hole [3 GiB, 4 GiB) is below high_memory but has no memory section
        assertThat(l.virtAddrValid(0xffff888000000000L + 0xd0000000L)).isFalse();
        // the legacy hole shares section 0 with RAM: pfn_valid()
        assertThat(l.virtAddrValid(0xffff888000000000L + 0xa0000L)).isTrue();
        // non-canonical
        assertThat(l.virtAddrValid(0x0000800000000000L)).isFalse();
    }

    @Test
    void ramAboveMaxPhysmemBitsIsRejected() {
        X86_64Spec s = spec(4);
        MemoryMap map = new MemoryMap(List.of(new MemoryRegion(0, 1L << 46, RegionType.USABLE),
                new MemoryRegion(1L << 46, 1L << 20, RegionType.USABLE)));
        assertThatThrownBy(() -> s.layout(map)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MAX_PHYSMEM_BITS 46");
        // exactly 64 TiB of flat RAM fits
        KernelLayout l = s.layout(new MemoryMap(List.of(new MemoryRegion(0, 1L << 46, RegionType.USABLE))));
        assertThat(l.maxPfn()).isEqualTo(1L << 34);
        assertThat(l.highMemory()).isEqualTo(0xffffc88000000000L);
        // 5-level takes it
        assertThat(spec(5).layout(map).maxPfn()).isEqualTo((1L << 34) + 256);
    }

    @Test
    void bootMessagesFollowE820EndPfn() {
        assertThat(layout(4, 512L << 20).bootMessages())
                .containsExactly("last_pfn = 0x20000 max_arch_pfn = 0x400000000");
        assertThat(layout(4, 16 * GIB).bootMessages()).containsExactly(
                "last_pfn = 0x440000 max_arch_pfn = 0x400000000",
                "last_pfn = 0xc0000 max_arch_pfn = 0x400000000");
        assertThat(layout(5, 16 * GIB).bootMessages().get(0))
                .isEqualTo("last_pfn = 0x440000 max_arch_pfn = 0x10000000000");
    }
}
