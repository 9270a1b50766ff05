package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;
import org.kmemu.tck.PluginConfigs;

/**
 * The kmap_local fixmap slots: FIX_KMAP_BEGIN sits right after FIX_IO_APIC_BASE_END in enum fixed_addresses
 * (arch/x86/include/asm/fixmap.h), and slot i of CPU c is index FIX_KMAP_BEGIN + i + KM_MAX_IDX * c at
 * __fix_to_virt(index) = FIXADDR_TOP - (index << PAGE_SHIFT). Every slot must lie inside the permanent
 * fixmap [FIXADDR_START, FIXADDR_TOP) and inside the page tables boot preallocates for the fixmap.
 */
class KmapSlotsTest {

    private static I386Spec configured() {
        return (I386Spec) new I386Architecture().configure(PluginConfigs.of(I386Architecture.class, "kmemu.arch.i386"));
    }

    private static long slotAddr(KernelLayout l, int cpu, int slot) {
        long idx = l.fixKmapBegin() + slot + (long) l.kmapLocalSlots() * cpu;
        return l.fixaddrTop() - (idx << FixedAreas.PAGE_SHIFT);
    }

    @Test
    void defaultConfigPutsFixKmapBeginAfterTheIoApicSlots() {
        I386Spec s = configured();
        KernelLayout l = s.layout(s.defaultMemoryMap(2L << 30));
        // FIX_HOLE, DBGP, EARLYCON, APIC (4) + MAX_IO_APICS (64) = 68.
        assertThat(l.fixKmapBegin()).isEqualTo(68);
        assertThat(l.kmapLocalSlots()).isEqualTo(16);
        // 0xfffff000 - 68 * 0x1000
        assertThat(slotAddr(l, 0, 0)).isEqualTo(0xfffbb000L);
        // CPU 7's slot 15 is index 195; FIX_PCIE_MCFG (196) is the last permanent slot, FIXADDR_START is 197.
        assertThat(slotAddr(l, 7, 15)).isEqualTo(0xfff3c000L);
        assertThat(l.fixaddrStart()).isEqualTo(0xfff3a000L);
    }

    @Test
    void everySlotOfTheConfiguredCpusIsInTheFixmapAndItsPageTables() {
        I386Spec s = configured();
        MemoryMap map = s.sanitizeFirmwareMap(s.defaultMemoryMap(2L << 30));
        KernelLayout l = s.layout(map);
        assertThat(s.options().nrCpus()).isEqualTo(8);
        assertSlotsCovered(l, s.kernelMappings(l, map, 0x1000000L, 0x1800000L), s.options().nrCpus());
    }

    @Test
    void withoutHighmemThereAreNoKmapSlots() {
        I386Spec s = new I386Spec(Machines.noHighmem(Machines.defaults()));
        KernelLayout l = s.layout(s.defaultMemoryMap(512L << 20));
        assertThat(l.fixKmapBegin()).isEqualTo(-1);
        assertThat(l.kmapLocalSlots()).isZero();
    }

    @Provide
    Arbitrary<I386Options> highmemOptions() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(VmSplit.class),
                Arbitraries.of(LayoutGeneration.class), Arbitraries.integers().between(1, 64))
                .as((pae, split, gen, cpus) -> new I386Options(pae, split, gen, 128L << 20, true, cpus, 32));
    }

    @Property(tries = 200)
    void slotsStayInTheFixmapForAnyNrCpus(@ForAll("highmemOptions") I386Options o) {
        I386Spec s = new I386Spec(o);
        MemoryMap map = s.sanitizeFirmwareMap(s.defaultMemoryMap(1L << 30));
        KernelLayout l = s.layout(map);
        assertThat(l.fixKmapBegin()).isEqualTo(68);
        assertSlotsCovered(l, s.kernelMappings(l, map, 0x1000000L, 0x1800000L), o.nrCpus());
    }

    private static void assertSlotsCovered(KernelLayout l, List<KernelMapping> mappings, int nrCpus) {
        KernelMapping fix = mappings.stream().filter(m -> m.name().equals("fixmap")).findFirst().orElseThrow();
        assertThat(fix.phys()).isEqualTo(KernelMapping.TABLES_ONLY);
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            for (int slot = 0; slot < l.kmapLocalSlots(); slot++) {
                long addr = slotAddr(l, cpu, slot);
                assertThat(addr).as("cpu %d slot %d", cpu, slot)
                        .isGreaterThanOrEqualTo(l.fixaddrStart()).isLessThan(l.fixaddrTop());
                assertThat(addr).as("cpu %d slot %d has a preallocated page table", cpu, slot)
                        .isGreaterThanOrEqualTo(fix.virt())
                        .isLessThanOrEqualTo(fix.virt() + fix.size() - FixedAreas.PAGE_SIZE);
            }
        }
    }
}
