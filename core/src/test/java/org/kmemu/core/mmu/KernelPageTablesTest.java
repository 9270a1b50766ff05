package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

/** The tables boot builds: large pages where aligned, holes unmapped, and agreement with __pa. */
class KernelPageTablesTest {
    private static final Machine X86_64 = TestMachines.x86_64(6L << 30);
    private static final Machine I386 = TestMachines.i386(2L << 30);

    @Test
    void theDirectMapUsesTheLargestAlignedPages() {
        KernelPageTables t = X86_64.mmu().kernelTables();
        // [1M, 3G) and [4G, 7G) of RAM: 1 GiB pages where both ends are aligned, 2 MiB and 4 KiB at the edges.
        assertThat(t.leavesByShift()).containsKeys(12, 21, 30);
        assertThat(t.leavesByShift().get(30)).isGreaterThanOrEqualTo(4);
        assertThat(t.tablePages() - t.preallocatedTablePages()).isLessThan(20);
        WalkReport big = X86_64.mmu().walk(t.root(), X86_64.layout().va(5L << 30));
        assertThat(big.lines().get(big.lines().size() - 1)).contains("1 GiB page");
    }

    @Test
    void holesAndHighmemAreNotInTheDirectMap() {
        KernelPageTables t = X86_64.mmu().kernelTables();
        WalkReport hole = X86_64.mmu().walk(t.root(), X86_64.layout().pageOffset() + (3L << 30) + 4096);
        assertThat(hole.mapped()).as("the PCI hole").isFalse();
        KernelLayout l = I386.layout();
        WalkReport high = I386.mmu().walk(I386.mmu().kernelTables().root(), l.highMemory());
        assertThat(high.mapped()).as("above high_memory").isFalse();
        WalkReport pkmap = I386.mmu().walk(I386.mmu().kernelTables().root(), l.pkmapBase());
        assertThat(pkmap.mapped()).as("pkmap has a table but no pages yet").isFalse();
        assertThat(pkmap.lines().get(pkmap.lines().size() - 1)).contains("PTE entry is not present");
    }

    @Property(tries = 300)
    void walkAndPaAgreeOnEveryDirectMappedAddress(@ForAll @LongRange(min = 0x100000, max = (3L << 30) - 1) long phys) {
        for (Machine m : new Machine[] {X86_64, I386}) {
            KernelLayout l = m.layout();
            if (phys >= l.maxLowPfn() << 12) {
                continue;
            }
            long v = l.va(phys);
            WalkReport r = m.mmu().walk(m.mmu().kernelTables().root(), v);
            assertThat(r.mapped()).as("%#x on %s", v, m.arch().id()).isTrue();
            assertThat(r.physical()).isEqualTo(l.pa(v)).isEqualTo(phys);
        }
    }

    @Test
    void pageTablesAreReservedNotManaged() {
        long free = X86_64.nrFreePages();
        long managed = X86_64.totalRamPages();
        // ... all but preallocate_vmalloc_pages' PUD pages, which mem_init takes from the page allocator:
        // 32 TiB of vmalloc space at 512 GiB per PGD slot (arch/x86/include/asm/pgtable_64_types.h).
        long preallocated = X86_64.mmu().kernelTables().preallocatedTablePages();
        assertThat(preallocated).isEqualTo(64);
        assertThat(free).as("boot tables came from memblock").isEqualTo(managed - preallocated);
    }

    @Test
    void aTableIsAllocatedAsTheCpuThatMapsAndClearingAllocatesNone() {
        Machine m = TestMachines.x86_64(64L << 20);
        PageAllocator real = m.pageAllocator();
        List<Integer> askedBy = new ArrayList<>();
        KernelPageTables t = m.mmu().kernelTables();
        t.usePageAllocator(new PageAllocator() {
            @Override
            public int maxOrder() {
                return real.maxOrder();
            }

            @Override
            public int pageblockOrder() {
                return real.pageblockOrder();
            }

            @Override
            public void freeBootMemory(long startPfn, long nrPages) {
                real.freeBootMemory(startPfn, nrPages);
            }

            @Override
            public long allocPages(int cpu, int gfp, int order) {
                askedBy.add(cpu);
                return real.allocPages(cpu, gfp, order);
            }

            @Override
            public void freePages(int cpu, long pfn, int order) {
                real.freePages(cpu, pfn, order);
            }

            @Override
            public long nrFreePages(ZoneType zone) {
                return real.nrFreePages(zone);
            }

            @Override
            public ZoneStats zoneStats(ZoneType zone) {
                return real.zoneStats(zone);
            }
        });
        long tables = t.tablePages();
        long v = m.layout().vmallocStart() + (64L << 20);
        t.mapPage(m.mmu().cpu(1), v, 1L << 20, PteFlags.WRITE | PteFlags.GLOBAL);
        assertThat(askedBy).as("a PTE table at least, all as the CPU that maps").isNotEmpty().containsOnly(1);
        assertThat(t.tablePages()).isEqualTo(tables + askedBy.size());
        assertThat(m.mmu().walk(t.root(), v).physical()).isEqualTo(1L << 20);

        t.clearPage(v + (1L << 30));
        assertThat(t.tablePages()).as("no table where nothing is mapped").isEqualTo(tables + askedBy.size());
        t.clearPage(v);
        assertThat(m.mmu().walk(t.root(), v).mapped()).isFalse();
    }

    @Test
    void runningOutOfTablePagesIsAResultNotAnException() {
        Machine m = TestMachines.x86_64(64L << 20);
        KernelPageTables t = m.mmu().kernelTables();
        java.util.List<Long> held = new java.util.ArrayList<>();
        for (int order = m.pageAllocator().maxOrder(); order >= 0; order--) {
            long pfn;
            while ((pfn = m.pageAllocator().allocPages(0, org.kmemu.api.Gfp.GFP_ATOMIC | org.kmemu.api.Gfp.__GFP_NOWARN,
                    order)) != org.kmemu.api.PageAllocator.NO_PFN) {
                held.add(pfn << 8 | order);
            }
        }
        long v = m.layout().vmallocStart() + (1L << 30); // no table below PGD level exists there yet
        long tables = t.tablePages();
        assertThat(t.mapPage(m.mmu().cpu(0), v, 0x100000, org.kmemu.api.PteFlags.WRITE)).as("pte_alloc_kernel: NULL").isFalse();
        assertThat(m.mmu().walk(t.root(), v).mapped()).isFalse();
        t.clearPage(v + 4096);
        assertThat(t.tablePages()).as("clearPage allocates nothing").isEqualTo(tables);
        for (long h : held) {
            m.pageAllocator().freePages(0, h >>> 8, (int) (h & 0xff));
        }
        assertThat(t.mapPage(m.mmu().cpu(0), v, 0x100000, org.kmemu.api.PteFlags.WRITE)).isTrue();
        assertThat(m.mmu().walk(t.root(), v).physical()).isEqualTo(0x100000);
    }
}
