package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.UserMmFixture.RW;
import static org.kmemu.core.mm.memory.UserMmFixture.U;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.PteFlags;
import org.kmemu.api.ZoneType;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;

/** do_anonymous_page and the zero page, on the three test machines, through user-mode accesses. */
class AnonFaultTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aReadMapsTheZeroPageReadOnlyAndAWriteGetsAZeroedPageOfItsOwn(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, 4 * f.page, RW);
        long free = f.m.nrFreePages();

        assertThat(f.load(U + 8)).isZero();
        assertThat(f.pfn(U)).as("my_zero_pfn").isEqualTo(f.um.zeroPfn());
        assertThat(f.pteFlags(U) & (PteFlags.WRITE | PteFlags.USER | PteFlags.ACCESSED))
                .isEqualTo(PteFlags.USER | PteFlags.ACCESSED);
        assertThat(f.mm.rss()).as("the zero page is in no RSS").isZero();
        assertThat(f.m.kernel().pages().pageMapcount(f.um.zeroPfn())).isZero();
        assertThat(f.m.pageFrames().isReserved(f.um.zeroPfn())).isTrue();

        f.store(U + 8, 0x12345678);
        long pfn = f.pfn(U);
        assertThat(pfn).isNotEqualTo(f.um.zeroPfn());
        assertThat(f.pteFlags(U) & (PteFlags.WRITE | PteFlags.DIRTY | PteFlags.ACCESSED))
                .isEqualTo(PteFlags.WRITE | PteFlags.DIRTY | PteFlags.ACCESSED);
        assertThat(f.load(U + 8)).isEqualTo(0x12345678);
        assertThat(f.phys32(pfn, 8)).isEqualTo(0x12345678);
        assertThat(f.phys32(pfn, 12)).as("the rest of the page is zero").isZero();
        assertThat(f.m.memory().readInt(f.um.zeroPfn() << f.m.pageShift())).as("the zero page stays zero").isZero();
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(1);
        assertThat(f.task.minFlt()).as("read fault, then the write-protect fault").isEqualTo(2);
        assertThat(f.um.vmEvents().sum(VmEvents.PGFAULT)).isEqualTo(2);
        assertThat(f.m.nrFreePages()).as("one page (tables came before)").isLessThanOrEqualTo(free - 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aWriteFaultMakesAnExclusiveAnonymousPage(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        Vma vma = f.map(U, 16 * f.page, RW);
        f.store(U + 3 * f.page + 4, 77);
        long pfn = f.pfn(U + 3 * f.page);
        assertThat(vma.anonVma()).as("anon_vma_prepare").isNotNull();
        long word = f.m.kernel().pages().pageMappingWord(pfn);
        assertThat(MappingWord.isAnon(word)).isTrue();
        assertThat(MappingWord.index(word)).as("linear_page_index").isEqualTo((U >>> f.m.pageShift()) + 3);
        assertThat(f.um.anonRmap().anonVma(word)).isSameAs(vma.anonVma());
        assertThat(f.m.kernel().pages().pageMapcount(pfn)).isEqualTo(1);
        assertThat(f.m.kernel().pages().pageRefCount(pfn)).isEqualTo(1);
        int flags = f.m.pageFrames().flags(pfn);
        assertThat(flags & (PageFlags.PG_ANON_EXCLUSIVE | PageFlags.PG_SWAPBACKED))
                .isEqualTo(PageFlags.PG_ANON_EXCLUSIVE | PageFlags.PG_SWAPBACKED);
        if (arch.equals("i386")) {
            assertThat(PageFlags.zone(flags)).as("GFP_HIGHUSER_MOVABLE on a highmem machine").isEqualTo(ZoneType.HIGHMEM);
        }
        assertThat(f.task.minFlt()).isEqualTo(1);
        assertThat(f.pte(U)).as("only the touched page").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aNeighbourThatCouldMergeLendsItsAnonVma(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        Vma low = f.map(U, 2 * f.page, RW);
        f.store(U, 1);
        // A VMA above with other access flags (mprotect'ed): not merged, but its anon_vma may be shared.
        Vma high = f.map(U + 2 * f.page, 2 * f.page, RW & ~org.kmemu.core.mm.vma.VmFlags.VM_WRITE);
        assertThat(high).isNotSameAs(low);
        f.load(U + 2 * f.page);
        assertThat(high.anonVma()).as("a read of the zero page needs no anon_vma").isNull();
        f.um.handleMmFault(f.cpu, f.mm, high, U + 2 * f.page, FaultFlags.FAULT_FLAG_WRITE);
        assertThat(high.anonVma()).as("find_mergeable_anon_vma").isSameAs(low.anonVma());
    }
}
