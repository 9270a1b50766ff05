package org.kmemu.arch.booke;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;

/**
 * The kmap_local fixmap slots: FIX_KMAP_BEGIN follows the 32 early-debug slots in enum fixed_addresses
 * (arch/powerpc/include/asm/fixmap.h), and slot i of CPU c is index FIX_KMAP_BEGIN + i + KM_MAX_IDX * c at
 * __fix_to_virt(index) = FIXADDR_TOP - (index << PAGE_SHIFT). Every slot must lie inside [FIXADDR_START,
 * FIXADDR_TOP) and inside the page tables boot preallocates for the fixmap.
 */
class KmapSlotsTest {
    static final long MIB = 1L << 20;

    private static BookeSpec configured(String... overrides) {
        return (BookeSpec) new BookeArchitecture().configure(BookeArchitectureTest.config(overrides));
    }

    private static long slotAddr(KernelLayout l, int cpu, int slot) {
        long idx = l.fixKmapBegin() + slot + (long) l.kmapLocalSlots() * cpu;
        return l.fixaddrTop() - (idx << BookeLayout.PAGE_SHIFT);
    }

    @Test
    void defaultConfigPutsFixKmapBeginAfterTheEarlyDebugSlots() {
        BookeSpec s = configured();
        KernelLayout l = s.layout(s.defaultMemoryMap(2L << 30));
        // FIX_EARLY_DEBUG_BASE = FIX_HOLE + 128K / 4K - 1 = 31
        assertThat(l.fixKmapBegin()).isEqualTo(32);
        assertThat(l.kmapLocalSlots()).isEqualTo(16);
        // 0xfffff000 - 32 * 0x1000; CPU 3's slot 15 is index 95
        assertThat(slotAddr(l, 0, 0)).isEqualTo(0xfffdf000L);
        assertThat(slotAddr(l, 3, 15)).isEqualTo(0xfffa0000L);
    }

    @Test
    void everySlotOfTheConfiguredCpusIsInTheFixmapAndItsPageTables() {
        BookeSpec s = configured();
        assertThat(s.options().nrCpus()).isEqualTo(4);
        assertSlotsCovered(s, 2L << 30);
    }

    @Test
    void debugKmapLocalSlotsFollowTheConfiguredKmMaxIdx() {
        BookeSpec s = configured("km-max-idx = 33", "phys-64bit = true");
        KernelLayout l = s.layout(s.defaultMemoryMap(2L << 30));
        assertThat(l.kmapLocalSlots()).isEqualTo(33);
        assertSlotsCovered(s, 2L << 30);
    }

    @Test
    void withoutHighmemThereAreNoKmapSlots() {
        BookeSpec s = configured("highmem = false");
        KernelLayout l = s.layout(s.defaultMemoryMap(512 * MIB));
        assertThat(l.fixKmapBegin()).isEqualTo(-1);
        assertThat(l.kmapLocalSlots()).isZero();
    }

    @Property(tries = 100)
    void slotsStayInTheFixmapForAnyNrCpus(@ForAll @IntRange(min = 1, max = 32) int cpus,
                                          @ForAll @IntRange(min = 1, max = 64) int kmMaxIdx) {
        BookeSpec s = configured("nr-cpus = " + cpus, "km-max-idx = " + kmMaxIdx);
        assertSlotsCovered(s, 1L << 30);
    }

    private static void assertSlotsCovered(BookeSpec s, long ram) {
        MemoryMap map = s.defaultMemoryMap(ram);
        KernelLayout l = s.layout(map);
        List<KernelMapping> mappings = s.kernelMappings(l, map, 0, 8 * MIB);
        KernelMapping fix = mappings.stream().filter(m -> m.name().equals("fixmap")).findFirst().orElseThrow();
        assertThat(fix.phys()).isEqualTo(KernelMapping.TABLES_ONLY);
        for (int cpu = 0; cpu < s.options().nrCpus(); cpu++) {
            for (int slot = 0; slot < l.kmapLocalSlots(); slot++) {
                long addr = slotAddr(l, cpu, slot);
                assertThat(addr).as("cpu %d slot %d", cpu, slot)
                        .isGreaterThanOrEqualTo(l.fixaddrStart()).isLessThan(l.fixaddrTop());
                assertThat(addr).as("cpu %d slot %d has a preallocated page table", cpu, slot)
                        .isGreaterThanOrEqualTo(fix.virt())
                        .isLessThanOrEqualTo(fix.virt() + fix.size() - BookeLayout.PAGE_SIZE);
            }
        }
    }
}
