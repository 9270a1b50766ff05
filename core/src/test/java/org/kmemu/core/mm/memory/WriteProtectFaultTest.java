package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.UserMmFixture.RW;
import static org.kmemu.core.mm.memory.UserMmFixture.U;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;

/**
 * do_wp_page on anonymous pages: COW between two mms that map one page read-only (set up by hand as fork
 * would), reuse of an exclusive page, FAULT_FLAG_UNSHARE.
 */
class WriteProtectFaultTest {

    /** Maps pfn read-only at U in f's mm as fork's copy_present_pte leaves it: a reference and a mapcount. */
    private static void mapShared(UserMmFixture f, Vma vma, long pfn) {
        UserPageTables t = f.um.userPageTables();
        f.um.anonRmap().anonVmaPrepare(f.mm, vma);
        long ptep = t.ptep(f.cpu, f.mm, U, true);
        t.writePte(ptep, t.mkPte(pfn, PteFlags.USER | PteFlags.ACCESSED));
        f.m.kernel().pages().getPage(f.cpu, pfn);
        f.m.kernel().pages().pageAddMapcount(pfn, 1);
        f.mm.addRss(Mm.MM_ANONPAGES, 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void twoMmsSharingAPageEachSeeTheirOwnWritesAndThePageIsCopiedOnce(String arch) {
        UserMmFixture a = UserMmFixture.boot(arch);
        UserMmFixture b = new UserMmFixture(a);
        Vma va = a.map(U, a.page, RW);
        Vma vb = b.map(U, b.page, RW);
        // The parent's page, written before the "fork".
        a.store(U, 0x1111);
        a.store(U + 4, 0x2222);
        long shared = a.pfn(U);
        // copy_present_pte(): write-protect the parent's PTE, clear PG_anon_exclusive, map it in the child.
        UserPageTables t = a.um.userPageTables();
        long ptepA = t.ptep(a.cpu, a.mm, U, false);
        t.writePte(ptepA, t.withFlags(t.readPte(ptepA), t.flags(t.readPte(ptepA)) & ~PteFlags.WRITE));
        a.m.mmu().flushTlbMmRange(a.cpu, a.mm.pgdPhys(), U, U + a.page);
        a.m.pageFrames().clearFlag(shared, PageFlags.PG_ANON_EXCLUSIVE);
        b.um.anonRmap().anonVmaPrepare(b.mm, vb); // the child's own anon_vma
        mapShared(b, vb, shared);
        assertThat(a.m.kernel().pages().pageRefCount(shared)).isEqualTo(2);

        long free = a.m.nrFreePages();
        a.store(U, 0xaaaa); // the parent writes: the page has two references, so it is copied
        long copy = a.pfn(U);
        assertThat(copy).isNotEqualTo(shared);
        assertThat(a.load(U)).isEqualTo(0xaaaa);
        assertThat(a.load(U + 4)).as("copied").isEqualTo(0x2222);
        assertThat(a.m.kernel().pages().pageRefCount(shared)).isEqualTo(1);
        assertThat(a.m.kernel().pages().pageMapcount(shared)).isEqualTo(1);
        assertThat(a.m.nrFreePages()).isEqualTo(free - 1);

        b.run();
        assertThat(b.load(U)).as("the child still sees the old data").isEqualTo(0x1111);
        b.store(U, 0xbbbb); // the child writes: it is the only one left, so the page is reused
        assertThat(b.pfn(U)).as("wp_can_reuse_anon_folio").isEqualTo(shared);
        assertThat(b.pteFlags(U) & (PteFlags.WRITE | PteFlags.DIRTY)).isEqualTo(PteFlags.WRITE | PteFlags.DIRTY);
        assertThat(a.m.pageFrames().flags(shared) & PageFlags.PG_ANON_EXCLUSIVE).isNotZero();
        assertThat(a.um.anonRmap().anonVma(a.m.kernel().pages().pageMappingWord(shared)))
                .as("folio_move_anon_rmap").isSameAs(vb.anonVma());
        assertThat(a.m.nrFreePages()).as("one copy in all").isEqualTo(free - 1);
        assertThat(b.load(U)).isEqualTo(0xbbbb);
        a.run();
        assertThat(a.load(U)).isEqualTo(0xaaaa);
        assertThat(a.load(U + 4)).isEqualTo(0x2222);
        assertThat(a.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(1);
        assertThat(b.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(1);
        assertThat(va.anonVma()).isNotSameAs(vb.anonVma());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void anExclusivePageWriteProtectedIsReusedWithoutACopy(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, f.page, RW);
        f.store(U, 1);
        long pfn = f.pfn(U);
        UserPageTables t = f.um.userPageTables();
        long ptep = t.ptep(f.cpu, f.mm, U, false);
        t.writePte(ptep, t.withFlags(t.readPte(ptep), PteFlags.USER | PteFlags.ACCESSED));
        f.m.mmu().flushTlbMmRange(f.cpu, f.mm.pgdPhys(), U, U + f.page);
        long free = f.m.nrFreePages();
        f.store(U, 2);
        assertThat(f.pfn(U)).isEqualTo(pfn);
        assertThat(f.m.nrFreePages()).isEqualTo(free);
        assertThat(f.load(U)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void unshareCopiesASharedPageButLeavesItReadOnly(String arch) {
        UserMmFixture a = UserMmFixture.boot(arch);
        Vma va = a.map(U, a.page, RW);
        a.store(U, 5);
        long pfn = a.pfn(U);
        UserPageTables t = a.um.userPageTables();
        long ptep = t.ptep(a.cpu, a.mm, U, false);
        t.writePte(ptep, t.withFlags(t.readPte(ptep), PteFlags.USER | PteFlags.ACCESSED));
        a.m.pageFrames().clearFlag(pfn, PageFlags.PG_ANON_EXCLUSIVE);
        a.m.kernel().pages().getPage(a.cpu, pfn); // another holder (a GUP reference)
        a.mm.mmapLock().readLock();
        try {
            // FOLL_PIN of a COW-shared page: FAULT_FLAG_UNSHARE.
            assertThat(a.um.handleMmFault(a.cpu, a.mm, va, U, FaultFlags.FAULT_FLAG_UNSHARE)).isZero();
        } finally {
            a.mm.mmapLock().readUnlock();
        }
        assertThat(a.pfn(U)).isNotEqualTo(pfn);
        assertThat(a.pteFlags(U) & PteFlags.WRITE).isZero();
        assertThat(a.m.pageFrames().flags(a.pfn(U)) & PageFlags.PG_ANON_EXCLUSIVE).isNotZero();
        assertThat(a.load(U)).isEqualTo(5);
        assertThat(a.m.kernel().pages().pageRefCount(pfn)).as("only the other holder").isEqualTo(1);
        a.m.kernel().pages().putPage(a.cpu, pfn);
    }
}
