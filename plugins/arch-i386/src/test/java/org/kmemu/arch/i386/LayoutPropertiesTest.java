package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.VirtualArea;

/** Invariants over random configurations and RAM sizes. */
class LayoutPropertiesTest {

    @Provide
    Arbitrary<I386Options> options() {
        return Combinators.combine(
                Arbitraries.of(true, false), Arbitraries.of(VmSplit.class), Arbitraries.of(LayoutGeneration.class),
                Arbitraries.longs().between(40, 512).map(mib -> mib << 20), Arbitraries.of(true, false),
                Arbitraries.integers().between(1, 64))
                .as((pae, split, gen, reserve, highmem, cpus) ->
                        new I386Options(pae, split, gen, reserve, highmem, cpus, 32));
    }

    @Property(tries = 300)
    void areasAreOrderedAndDisjoint(@ForAll("options") I386Options o,
                                    @ForAll("ramMib") long ramMib) {
        I386Spec spec = new I386Spec(o);
        long ram = Math.min(ramMib << 20, o.pae() ? 16L << 30 : 3L << 30);
        MemoryMap map = spec.defaultMemoryMap(ram);
        I386Layout l = (I386Layout) spec.layout(map);
        List<VirtualArea> areas = l.areas();
        // Printed top-down: each area ends at or below the start of the one printed before it.
        for (int i = 1; i < areas.size(); i++) {
            assertThat(areas.get(i).end()).isLessThanOrEqualTo(areas.get(i - 1).start());
            assertThat(areas.get(i).start()).isLessThan(areas.get(i).end());
        }
        assertThat(l.highMemory() + FixedAreas.VMALLOC_OFFSET).isLessThanOrEqualTo(l.vmallocStart());
        assertThat(l.maxLowPfn()).isLessThanOrEqualTo(spec.fixedAreas().maxMemPfn()).isLessThanOrEqualTo(l.maxPfn());
        assertThat(l.highMemory()).isEqualTo(l.pageOffset() + (l.maxLowPfn() << 12));
        if (!o.highmem()) {
            assertThat(l.maxPfn()).isEqualTo(l.maxLowPfn());
        } else {
            assertThat(l.maxPfn()).isEqualTo(map.maxPfn(12));
        }
    }

    @Provide
    Arbitrary<Long> ramMib() {
        return Arbitraries.longs().between(16, 16 << 10);
    }

    @Property(tries = 300)
    void paUndoesVaInLowmem(@ForAll("options") I386Options o, @ForAll("fraction") double where) {
        I386Spec spec = new I386Spec(o);
        I386Layout l = (I386Layout) spec.layout(spec.defaultMemoryMap(o.pae() ? 8L << 30 : 3L << 30));
        long paddr = (long) (where * ((l.maxLowPfn() << 12) - 1));
        assertThat(l.pa(l.va(paddr))).isEqualTo(paddr);
        assertThat(l.virtAddrValid(l.va(paddr))).isTrue();
    }

    @Provide
    Arbitrary<Double> fraction() {
        return Arbitraries.doubles().between(0, 1);
    }
}
