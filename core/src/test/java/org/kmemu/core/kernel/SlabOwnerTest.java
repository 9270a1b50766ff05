package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabPages;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.TraceBuffer;

/** SlabPages' owner word: the policy's slab descriptor kept in struct page, found from any address. */
class SlabOwnerTest {
    private final Machine m = TestMachines.x86_64(1L << 30);
    private final PageApi pages = KernelServices.pageApi(m, new TraceBuffer(100, m.cpus()));
    private SlabContext context;
    private final SlabLayer slab = KernelServices.slabLayer(m, pages, new SimpleSlabPolicy() {
        @Override
        public SlabAllocator create(SlabContext c) {
            context = c;
            return super.create(c);
        }
    }, new TypesafeConfigView(ConfigFactory.empty(), "kmemu.object-allocator.simple"), new TraceBuffer(100, m.cpus()));
    private final Cpu cpu = m.mmu().cpu(0);

    @Test
    void everyPageOfASlabAnswersItsOwnerUntilTheSlabIsFreed() {
        SlabPages sp = context.pages();
        SlabCache cache = slab.caches().get(0);
        long free = m.nrFreePages();
        long a = sp.allocSlab(0, Gfp.GFP_KERNEL, 2, cache);
        Object owner = new Object();
        assertThat(sp.owner(a)).as("no owner before setOwner").isNull();
        sp.setOwner(a, 2, owner);
        assertThat(sp.owner(a)).isSameAs(owner);
        assertThat(sp.owner(a + 3 * 4096 + 4095)).isSameAs(owner);
        assertThat(sp.owner(a + 4 * 4096)).isNotSameAs(owner);
        Object other = new Object();
        sp.setOwner(a, 2, other);
        assertThat(sp.owner(a + 4096)).as("replaced").isSameAs(other);
        sp.freeSlab(0, a, 2);
        assertThat(sp.owner(a)).isNull();
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(m.log().texts()).noneMatch(l -> l.contains("Bad page state"));
    }

    @Test
    void addressesOfNoSlabHaveNoOwner() {
        SlabPages sp = context.pages();
        assertThat(sp.owner(0)).isNull();
        assertThat(sp.owner(0x0804_8000L)).as("user").isNull();
        assertThat(sp.owner(m.layout().vmallocStart() + 4096)).isNull();
        long page = pages.getFreePages(cpu, Gfp.GFP_KERNEL, 0);
        assertThat(sp.owner(page)).as("a page that is no slab").isNull();
        assertThat(m.pageFrames().flags(KernelServices.addressTranslation(m).virtToPage(page)) & PageFlags.PG_SLAB).isZero();
        assertThatThrownBy(() -> sp.setOwner(page, 0, new Object())).hasMessageContaining("expected: a slab from allocSlab");
        pages.freePagesVirt(cpu, page, 0);
    }

    @Test
    void aNullOwnerForgetsTheOldOne() {
        SlabPages sp = context.pages();
        long a = sp.allocSlab(0, Gfp.GFP_KERNEL, 0, slab.caches().get(0));
        sp.setOwner(a, 0, "slab");
        sp.setOwner(a, 0, null);
        assertThat(sp.owner(a)).isNull();
        sp.freeSlab(0, a, 0);
    }
}
