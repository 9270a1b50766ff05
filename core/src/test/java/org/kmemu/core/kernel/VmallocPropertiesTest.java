package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

/**
 * Random vmalloc/vfree/purge sequences: areas never overlap, each keeps its unmapped guard page, the
 * free, busy and lazy ranges always tile the window, an allocation made without a purge takes the
 * lowest free range that fits, and after freeing everything and purging, the window is one free range
 * again and every page is back in the allocator (but for page-table pages, which vmalloc keeps, as
 * the kernel does).
 */
class VmallocPropertiesTest {
    /** One machine for all tries: each try leaves the kernel tables unmapped and the TLBs flushed. */
    private static final Machine M = TestMachines.x86_64(4L << 30);
    private static final long PAGE = 4096;

    /** An operation: a positive value allocates that many pages, 0 purges, a negative one frees. */
    @Provide
    Arbitrary<List<Integer>> ops() {
        Arbitrary<Integer> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 24)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(500, 600)),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(-1000, -1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)));
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 60)
    void areasNeverOverlapKeepTheirGuardAndEveryPageComesBack(@ForAll("ops") List<Integer> ops) {
        Vmalloc v = KernelServices.vmalloc(M);
        Cpu cpu = M.mmu().cpu(0);
        long freeAtStart = M.nrFreePages();
        long tablesAtStart = M.mmu().kernelTables().tablePages();
        List<Long> live = new ArrayList<>();
        for (int op : ops) {
            if (op > 0) {
                List<long[]> freeBefore = v.freeRanges();
                long purges = v.purges();
                long p = v.vmalloc(cpu, op * PAGE - 1, "prop");
                assertThat(p).isNotZero();
                live.add(p);
                VmapArea a = v.findVmArea(p);
                assertThat(a.vaStart()).isEqualTo(p);
                assertThat(a.nrPages()).isEqualTo(op);
                for (int i = 0; i < op; i += 7) {
                    assertThat(v.vmallocToPage(p + i * PAGE)).isEqualTo(a.pages()[i]);
                }
                if (v.purges() == purges && a.pagesArray() == 0) {
                    assertThat(lowestFit(freeBefore, a.size())).isEqualTo(p);
                }
            } else if (op < 0 && !live.isEmpty()) {
                v.vfree(cpu, live.remove((-op) % live.size()));
            } else if (op == 0) {
                v.purgeVmapAreaLazy(cpu);
            }
            checkLayout(v);
        }
        for (long p : live) {
            v.vfree(cpu, p);
        }
        v.purgeVmapAreaLazy(cpu);
        assertThat(v.busyAreas()).isEmpty();
        assertThat(v.freeRanges()).hasSize(1);
        assertThat(v.freeRanges().get(0)).containsExactly(v.vmallocStart(), v.vmallocEnd());
        assertThat(v.nrVmallocPages()).isZero();
        long newTables = M.mmu().kernelTables().tablePages() - tablesAtStart;
        assertThat(M.nrFreePages() + newTables).isEqualTo(freeAtStart);
    }

    private static long lowestFit(List<long[]> free, long size) {
        for (long[] r : free) {
            if (r[1] - r[0] >= size) {
                return r[0];
            }
        }
        return 0;
    }

    /** Busy, lazy and free ranges tile [VMALLOC_START, VMALLOC_END) with no overlap; guards unmapped. */
    private static void checkLayout(Vmalloc v) {
        List<long[]> all = new ArrayList<>(v.freeRanges());
        for (VmapArea a : v.busyAreas()) {
            assertThat(v.vmallocToPage(a.vaEnd() - PAGE)).as("guard page of %s", a).isEqualTo(-1);
            all.add(new long[] {a.vaStart(), a.vaEnd()});
        }
        for (VmapArea a : v.purgeAreas()) {
            all.add(new long[] {a.vaStart(), a.vaEnd()});
        }
        all.sort((x, y) -> Long.compareUnsigned(x[0], y[0]));
        long at = v.vmallocStart();
        for (long[] r : all) {
            assertThat(r[0]).as("ranges tile the window").isEqualTo(at);
            assertThat(Long.compareUnsigned(r[1], r[0])).isPositive();
            at = r[1];
        }
        assertThat(at).isEqualTo(v.vmallocEnd());
    }
}
