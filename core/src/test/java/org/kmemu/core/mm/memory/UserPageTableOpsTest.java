package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.core.mm.memory.UserMmFixture.RO;
import static org.kmemu.core.mm.memory.UserMmFixture.RW;
import static org.kmemu.core.mm.memory.UserMmFixture.SHARED_RW;
import static org.kmemu.core.mm.memory.UserMmFixture.U;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.UserFaultSignal;
import org.kmemu.core.sched.SigInfo;

/** unmap, free_pgtables, change_protection, move_page_tables, populate and exit_mmap. */
class UserPageTableOpsTest {

    /** Replaces a VMA by one with other flags (as mprotect's vma_modify does) and returns it. */
    private static Vma reflag(UserMmFixture f, Vma vma, long flags) {
        f.mm.mmapLock().writeLock();
        try {
            f.mm.vmas().unlink(vma);
            Vma v = new Vma(vma.start(), vma.end(), flags, vma.pgoff(), vma.file(), vma.anonVma());
            f.mm.vmas().link(v);
            return v;
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void unmapAndFreePgtablesGiveEveryPageBack(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        long free = f.m.nrFreePages();
        long tables = f.mm.pageTablePages();
        long len = 300 * f.page;
        Vma vma = f.map(U, len, RW);
        for (long a = U; a < U + len; a += f.page) {
            if ((a / f.page) % 3 == 0) {
                f.load(a); // the zero page: nothing to free
            } else {
                f.store(a, (int) a);
            }
        }
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(200);
        long used = free - f.m.nrFreePages();
        assertThat(used).isEqualTo(200 + f.mm.pageTablePages() - tables);
        PageTableOps ops = f.um.pageTableOps();
        f.mm.mmapLock().writeLock();
        try {
            ops.unmapRange(f.cpu, f.mm, vma, U, U + len);
            ops.freePgtables(f.cpu, f.mm, 0, f.mm.taskSize());
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.mm.rss()).isZero();
        assertThat(f.mm.pageTablePages()).isEqualTo(tables);
        assertThat(f.m.nrFreePages()).as("every page back in the allocator").isEqualTo(free);
        assertThat(f.load(U + f.page)).as("a fresh zero page after munmap's zap").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aZappedPageIsGoneFromTheTlbBeforeItIsFreed(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        Vma vma = f.map(U, f.page, RW);
        f.store(U, 0x77);
        assertThat(f.load(U)).isEqualTo(0x77); // in the TLB now
        long pfn = f.pfn(U);
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().unmapRange(f.cpu, f.mm, vma, U, U + f.page);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.m.kernel().pages().pageRefCount(pfn)).as("freed").isZero();
        assertThat(f.load(U)).as("not the freed page through a stale entry").isZero();
        assertThat(f.pfn(U)).isEqualTo(f.um.zeroPfn());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void freePgtablesKeepsTablesANeighbourStillUses(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        Vma a = f.map(U, f.page, RW);
        Vma b = f.map(U + 2 * f.page, f.page, RW);
        f.store(U, 1);
        f.store(U + 2 * f.page, 2);
        long tables = f.mm.pageTablePages();
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().unmapRange(f.cpu, f.mm, a, U, U + f.page);
            f.um.pageTableOps().freePgtables(f.cpu, f.mm, 0, U + 2 * f.page);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.mm.pageTablePages()).isEqualTo(tables);
        assertThat(f.load(U + 2 * f.page)).isEqualTo(2);
        assertThat(b.anonVma()).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aDirtySharedFilePageIsMarkedDirtyWhenZapped(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 4);
        Vma vma = f.map(U, f.page, SHARED_RW, 0, cache.file);
        f.load(U);
        long pfn = cache.pages.get(0L);
        // Clean and writable, as mprotect of a dirty PTE leaves it; then the MMU dirties it.
        f.m.pageFrames().clearFlag(pfn, PageFlags.PG_DIRTY);
        UserPageTables t = f.um.userPageTables();
        long ptep = t.ptep(f.cpu, f.mm, U, false);
        t.writePte(ptep, t.withFlags(t.readPte(ptep), PteFlags.USER | PteFlags.WRITE | PteFlags.ACCESSED));
        f.store(U, 3);
        assertThat(cache.dirty(0)).isFalse();
        assertThat(f.pteFlags(U) & PteFlags.DIRTY).as("set by the MMU").isNotZero();
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().unmapRange(f.cpu, f.mm, vma, U, U + f.page);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(cache.dirty(0)).isTrue();
        assertThat(f.m.kernel().pages().pageRefCount(pfn)).isEqualTo(1);
        assertThat(f.mm.rss(Mm.MM_FILEPAGES)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void changeProtectionWriteProtectsAndMakesOnlyExclusivePagesWritableAgain(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        Vma vma = f.map(U, 3 * f.page, RW);
        f.store(U, 1);
        f.store(U + f.page, 2);
        f.load(U + 2 * f.page); // the zero page
        long cow = f.pfn(U + f.page);
        f.m.pageFrames().clearFlag(cow, PageFlags.PG_ANON_EXCLUSIVE); // as fork leaves it

        Vma ro = reflag(f, vma, RO);
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().changeProtection(f.cpu, f.mm, ro, U, U + 3 * f.page, RO);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.pteFlags(U) & PteFlags.WRITE).isZero();
        assertThat(f.pteFlags(U) & PteFlags.DIRTY).as("dirty is kept").isNotZero();
        assertThatThrownBy(() -> f.store(U, 9)).as("the TLB was flushed").isInstanceOf(UserFaultSignal.class);
        assertThat(f.load(U)).isEqualTo(1);

        Vma rw = reflag(f, ro, RW);
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().changeProtection(f.cpu, f.mm, rw, U, U + 3 * f.page, RW);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.pteFlags(U) & PteFlags.WRITE).as("exclusive: writable at once").isNotZero();
        assertThat(f.pteFlags(U + f.page) & PteFlags.WRITE).as("COW-shared: stays read-only").isZero();
        assertThat(f.pteFlags(U + 2 * f.page) & PteFlags.WRITE).as("the zero page: read-only").isZero();

        Vma none = reflag(f, rw, VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE);
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().changeProtection(f.cpu, f.mm, none, U, U + 3 * f.page, none.flags());
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.pte(U)).as("PROT_NONE keeps the frame").isNotZero();
        assertThat(f.pteFlags(U) & PteFlags.PRESENT).isZero();
        assertThatThrownBy(() -> f.load(U)).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal().code()).isEqualTo(SigInfo.SEGV_ACCERR));
        Vma back = reflag(f, none, RW);
        f.mm.mmapLock().writeLock();
        try {
            f.um.pageTableOps().changeProtection(f.cpu, f.mm, back, U, U + 3 * f.page, RW);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(f.load(U)).as("the data survived PROT_NONE").isEqualTo(1);
        assertThat(f.load(U + f.page)).isEqualTo(2);
        f.store(U + f.page, 5);
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void movePageTablesMovesThePagesWithTheirData(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        Vma old = f.map(U, 4 * f.page, RW);
        for (int i = 0; i < 4; i++) {
            f.store(U + i * f.page, 100 + i);
        }
        long pfn2 = f.pfn(U + 2 * f.page);
        long to = U + 0x4000000L;
        Vma dst = f.map(to, 4 * f.page, RW, old.pgoff(), null);
        long free = f.m.nrFreePages();
        long tables = f.mm.pageTablePages();
        f.mm.mmapLock().writeLock();
        long moved;
        try {
            moved = f.um.pageTableOps().movePageTables(f.cpu, f.mm, old, U, dst, to, 4 * f.page);
        } finally {
            f.mm.mmapLock().writeUnlock();
        }
        assertThat(moved).isEqualTo(4 * f.page);
        assertThat(f.pte(U + 2 * f.page)).isZero();
        assertThat(f.pfn(to + 2 * f.page)).isEqualTo(pfn2);
        for (int i = 0; i < 4; i++) {
            assertThat(f.load(to + i * f.page)).isEqualTo(100 + i);
        }
        assertThat(free - f.m.nrFreePages()).as("no page copied or freed, only new tables")
                .isEqualTo(f.mm.pageTablePages() - tables);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void populateFaultsEveryPageInForWriteOnAPrivateWritableMapping(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, 8 * f.page, RW);
        f.map(U + 8 * f.page, 4 * f.page, RO);
        f.map(U + 12 * f.page, 4 * f.page, VmFlags.VM_MAYREAD);
        assertThat(f.um.pageTableOps().populate(f.cpu, f.mm, U, U + 16 * f.page)).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(f.pteFlags(U + i * f.page) & PteFlags.WRITE).isNotZero();
        }
        assertThat(f.pfn(U + 9 * f.page)).as("read-only: the zero page").isEqualTo(f.um.zeroPfn());
        assertThat(f.pte(U + 13 * f.page)).as("PROT_NONE is skipped").isZero();
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(8);
        assertThat(f.mm.mmapLock().isLocked()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void exitMmapGivesBackEveryPageTheMmHad(String arch) {
        UserMmFixture base = UserMmFixture.boot(arch);
        long free = base.m.nrFreePages();
        UserMmFixture f = new UserMmFixture(base);
        f.run();
        FakePageCache cache = new FakePageCache(f, 4);
        f.map(U, 64 * f.page, RW);
        f.map(U + 0x800000L, 4 * f.page, RW, 0, cache.file);
        for (int i = 0; i < 64; i++) {
            f.store(U + i * f.page, i);
        }
        f.load(U + 0x800000L);
        f.store(U + 0x800000L + f.page, 1);
        long cachePages = cache.pages.size();
        f.m.scheduler().contextSwitch(f.cpu, base.task);
        f.um.exitMmap(f.cpu, f.mm);
        assertThat(f.mm.rss()).isZero();
        assertThat(f.m.kernel().pages().pageRefCount(cache.pages.get(0L))).as("the cache keeps its pages").isEqualTo(1);
        assertThat(f.m.nrFreePages()).isEqualTo(free - cachePages);
        cache.evictAll(f.cpu);
        assertThat(f.m.nrFreePages()).isEqualTo(free);
    }
}
