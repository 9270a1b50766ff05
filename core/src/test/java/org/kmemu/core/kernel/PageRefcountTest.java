package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.TraceBuffer;

/** struct page's life cycle through PageApi: refcounts, pins, mapcount, mapping and the free-time checks. */
class PageRefcountTest {
    private final Machine m = TestMachines.i386(2L << 30);
    private final PageApi pages = KernelServices.pageApi(m, new TraceBuffer(1000, m.cpus()));
    private final Cpu cpu = m.mmu().cpu(0);

    @Test
    void allocPagesHandsOutOneReferenceAndTheLastPutPageFrees() {
        long free = m.nrFreePages();
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
        assertThat(pages.pageRefCount(pfn)).isEqualTo(1);
        pages.getPage(cpu, pfn);
        pages.getPage(cpu, pfn);
        assertThat(pages.pageRefCount(pfn)).isEqualTo(3);
        pages.putPage(cpu, pfn);
        pages.freePages(cpu, pfn, 0);
        assertThat(m.nrFreePages()).as("one reference left").isEqualTo(free - 1);
        pages.putPage(cpu, pfn);
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(pages.pageRefCount(pfn)).isZero();
        assertThat(pages.getPageUnlessZero(pfn)).as("a free page is not revived").isFalse();
    }

    @Test
    void putPageOfAFreePageIsTheVmBugOnPage() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
        pages.putPage(cpu, pfn);
        long free = m.nrFreePages();
        assertThatThrownBy(() -> pages.putPage(cpu, pfn)).isInstanceOf(KernelBugException.class)
                .hasMessageContaining("page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)")
                .hasMessageContaining("kernel BUG at include/linux/mm.h (put_page_testzero)!")
                .hasMessageContaining("page: refcount:0 mapcount:0 mapping:00000000 index:0x0 pfn:" + String.format("%#x", pfn));
        assertThat(pages.pageRefCount(pfn)).as("never negative").isZero();
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThatThrownBy(() -> pages.getPage(cpu, pfn))
                .hasMessageContaining("VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio))");
    }

    @Test
    void aCompoundBlockGoesBackWholeOnItsLastReference() {
        long free = m.nrFreePages();
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 2);
        int flags = m.pageFrames().flags(pfn);
        assertThat(flags & PageFlags.PG_HEAD).isNotZero();
        assertThat(PageFlags.order(flags)).isEqualTo(2);
        pages.getPage(cpu, pfn);
        pages.freePages(cpu, pfn, 2);
        assertThat(m.nrFreePages()).as("compound: nothing goes while a reference is held").isEqualTo(free - 4);
        pages.putPage(cpu, pfn);
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(m.pageFrames().flags(pfn) & PageFlags.PG_HEAD).isZero();
    }

    @Test
    void aNonCompoundBlockLosesItsTailWhileItsFirstPageIsHeld() {
        // ___free_pages(): put_page_testzero fails and the page is not a head, so the rest goes now.
        long free = m.nrFreePages();
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL, 2);
        assertThat(pages.pageRefCount(pfn + 1)).as("only the first page is refcounted").isZero();
        pages.getPage(cpu, pfn);
        pages.freePages(cpu, pfn, 2);
        assertThat(m.nrFreePages()).isEqualTo(free - 1);
        pages.putPage(cpu, pfn);
        assertThat(m.nrFreePages()).isEqualTo(free);
    }

    @Test
    void pinsCountGupPinCountingBiasAndUnpinFreesTheLast() {
        long free = m.nrFreePages();
        long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        assertThat(pages.pageMaybeDmaPinned(pfn)).isFalse();
        assertThat(pages.tryGrabPage(pfn, true)).isTrue();
        assertThat(pages.tryGrabPage(pfn, false)).isTrue();
        assertThat(pages.pageRefCount(pfn)).isEqualTo(1 + PageFrames.GUP_PIN_COUNTING_BIAS + 1);
        assertThat(pages.pageMaybeDmaPinned(pfn)).isTrue();
        pages.putPage(cpu, pfn);
        pages.freePages(cpu, pfn, 0);
        assertThat(pages.pageRefCount(pfn)).isEqualTo(PageFrames.GUP_PIN_COUNTING_BIAS);
        pages.unpinUserPage(cpu, pfn);
        assertThat(m.nrFreePages()).as("the pin was the last reference").isEqualTo(free);
        assertThat(pages.tryGrabPage(pfn, true)).as("a free page cannot be pinned").isFalse();
        assertThat(pages.tryGrabPage(pfn, false)).isFalse();
        long other = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
        assertThatThrownBy(() -> pages.unpinUserPage(cpu, other)).hasMessageContaining("GUP_PIN_COUNTING_BIAS");
        assertThat(pages.pageRefCount(other)).isEqualTo(1);
        pages.freePages(cpu, other, 0);
    }

    @Test
    void aCompoundHeadCountsPinsInItsFolioPincount() {
        long free = m.nrFreePages();
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_COMP, 1);
        assertThat(pages.tryGrabPage(pfn, true)).isTrue();
        assertThat(pages.pageRefCount(pfn)).isEqualTo(2);
        assertThat(pages.pageMaybeDmaPinned(pfn)).isTrue();
        pages.unpinUserPage(cpu, pfn);
        assertThat(pages.pageMaybeDmaPinned(pfn)).isFalse();
        assertThatThrownBy(() -> pages.unpinUserPage(cpu, pfn)).hasMessageContaining("_pincount");
        pages.freePages(cpu, pfn, 1);
        assertThat(m.nrFreePages()).isEqualTo(free);
    }

    @Test
    void freeingAMappedPageOrOneWithFlagsIsBadPageStateAndLeaksIt() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        long free = m.nrFreePages();
        pages.pageAddMapcount(pfn, 1);
        pages.freePages(cpu, pfn, 0);
        assertThat(m.log().texts()).contains(String.format("BUG: Bad page state in process swapper/0  pfn:%05x", pfn))
                .contains("page dumped because: nonzero mapcount");
        assertThat(m.nrFreePages()).as("leaked, as the kernel leaks it").isEqualTo(free);

        // free_pages_prepare(): "if (PageMappingFlags(page)) page->mapping = NULL;" before the checks, so
        // an anonymous page's anon_vma goes with it; a page-cache mapping left behind is bad.
        long anon = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        long word = MappingWord.of(3, MappingWord.PAGE_MAPPING_ANON, 0x8048);
        pages.setPageMapping(anon, word);
        assertThat(pages.pageAnon(anon)).isTrue();
        assertThat(pages.pageMappingWord(anon)).isEqualTo(word);
        long beforeAnon = m.nrFreePages();
        pages.freePages(cpu, anon, 0);
        assertThat(m.nrFreePages()).as("an anonymous page frees cleanly").isEqualTo(beforeAnon + 1);
        assertThat(pages.pageMappingWord(anon)).isZero();
        long cached = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        pages.setPageMapping(cached, MappingWord.of(3, 0, 0x8048));
        assertThat(pages.pageAnon(cached)).isFalse();
        pages.freePages(cpu, cached, 0);
        assertThat(m.log().texts()).contains("page dumped because: non-NULL mapping")
                .contains(String.format("page: refcount:0 mapcount:0 mapping:0000000c index:0x8048 pfn:%#x", cached));

        long locked = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
        assertThat(pages.trylockPage(locked)).isTrue();
        assertThat(pages.trylockPage(locked)).isFalse();
        pages.freePages(cpu, locked, 0);
        assertThat(m.log().texts()).contains("page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
        assertThat(m.log().texts()).anyMatch(l -> l.startsWith("flags: ") && l.contains("locked|zone="));
    }

    @Test
    void aCleanPageGoesBackWithItsStateFlagsCleared() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL, 0);
        assertThat(pages.setPageDirty(pfn)).isTrue();
        assertThat(pages.setPageDirty(pfn)).as("already dirty").isFalse();
        assertThat(pages.trylockPage(pfn)).isTrue();
        pages.unlockPage(pfn);
        assertThatThrownBy(() -> pages.unlockPage(pfn)).hasMessageContaining("VM_BUG_ON_FOLIO(!folio_test_locked(folio))");
        pages.freePages(cpu, pfn, 0);
        assertThat(m.pageFrames().flags(pfn) & PageFlags.PG_DIRTY).isZero();
        assertThat(m.log().texts()).noneMatch(l -> l.contains("Bad page state"));
    }

    @Test
    void aPfnWithoutStructPageIsTheDebugVirtualReport() {
        assertThatThrownBy(() -> pages.getPage(cpu, 1L << 40)).hasMessageContaining("pfn_to_page");
    }

    /** Unmapping a page no PTE maps is the kernel's VM_BUG_ON_PAGE report, and the count stays at 0. */
    @Test
    void aMapcountUnderflowIsAPageBugNotARawException() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        assertThatThrownBy(() -> pages.pageAddMapcount(pfn, -1))
                .isInstanceOf(KernelBugException.class);
        assertThat(m.log().texts()).contains("page dumped because: VM_BUG_ON_PAGE(page_mapcount(page) < 0)");
        assertThat(pages.pageMapcount(pfn)).isZero();
        pages.putPage(cpu, pfn);
    }
}
