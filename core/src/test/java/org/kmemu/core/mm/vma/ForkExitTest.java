package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.core.mm.vma.Mman.MAP_ANONYMOUS;
import static org.kmemu.core.mm.vma.Mman.MAP_FIXED;
import static org.kmemu.core.mm.vma.Mman.MAP_POPULATE;
import static org.kmemu.core.mm.vma.Mman.MAP_PRIVATE;
import static org.kmemu.core.mm.vma.Mman.MAP_SHARED;
import static org.kmemu.core.mm.vma.Mman.PROT_READ;
import static org.kmemu.core.mm.vma.Mman.PROT_WRITE;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.PageFaultException;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.UserMm;

class ForkExitTest {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long A = 0x20000000L;

    private static long ptep(UserMm u, Mm mm, long addr) {
        return u.tables.ptep(u.cpu, mm, addr, false);
    }

    private static long pte(UserMm u, Mm mm, long addr) {
        long p = ptep(u, mm, addr);
        return p < 0 ? 0 : u.tables.readPte(p);
    }

    private static void setFlag(Mm mm, long addr, long flag) {
        Vma v = mm.vmas().vmaLookup(addr);
        v.setFlags(v.flags() | flag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void forkSharesPagesCopyOnWriteAndExitGivesEveryPageBack(String arch) {
        UserMm u = UserMm.boot(arch);
        long p = u.page();
        PageApi pages = u.m.kernel().pages();
        long free0 = u.m.nrFreePages();
        Mm mm = u.newMm();
        Task parent = u.run(mm);
        int anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE;
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * p, RW, anon, null, 0);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 4 * p, p, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, null, 0);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 8 * p, p, RW, anon, null, 0);
        setFlag(mm, A + 8 * p, VmFlags.VM_DONTCOPY);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 12 * p, p, RW, anon, null, 0);
        setFlag(mm, A + 12 * p, VmFlags.VM_WIPEONFORK);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 16 * p, p, PROT_READ, anon | Mman.Abi.of(arch).mapLocked(), null, 0);
        u.cpu.setUserMode(true);
        u.cpu.store32(A + 8, 0xc0ffee);
        u.cpu.store32(A + p + 8, 0xbeef);
        u.cpu.setUserMode(false);
        long pfn = u.tables.pfn(pte(u, mm, A));
        assertThat(u.m.pageFrames().flags(pfn) & PageFlags.PG_ANON_EXCLUSIVE).isNotZero();
        long sharedPfn = u.tables.pfn(pte(u, mm, A + 4 * p));

        Task child = u.m.scheduler().fork(u.cpu);
        Mm cmm = (Mm) child.mm();
        assertThat(child.comm()).isEqualTo(parent.comm());
        assertThat(cmm).isNotSameAs(mm);
        assertThat(List.copyOf(cmm.vmas().vmas())).as("all but VM_DONTCOPY").extracting(Vma::start)
                .containsExactly(A, A + 4 * p, A + 12 * p, A + 16 * p);
        assertThat(cmm.vmas().vmaLookup(A + 16 * p).flags() & VmFlags.VM_LOCKED).as("mlock is not inherited").isZero();
        assertThat(cmm.vmas().vmaLookup(A).anonVma().parent()).as("anon_vma_fork").isSameAs(mm.vmas().vmaLookup(A).anonVma());
        assertThat(cmm.vmas().vmaLookup(A + 12 * p).anonVma()).as("VM_WIPEONFORK: fresh").isNull();
        assertThat(u.tables.present(pte(u, cmm, A + 12 * p))).as("VM_WIPEONFORK: no pages").isFalse();
        for (long a : new long[] {A, A + p}) {
            long pp = pte(u, mm, a);
            long cp = pte(u, cmm, a);
            long f = u.tables.pfn(pp);
            assertThat(u.tables.pfn(cp)).isEqualTo(f);
            assertThat(u.tables.flags(pp) & PteFlags.WRITE).as("parent write-protected").isZero();
            assertThat(u.tables.flags(cp) & PteFlags.WRITE).as("child write-protected").isZero();
            assertThat(u.tables.flags(cp) & PteFlags.ACCESSED).as("child's PTE is old").isZero();
            assertThat(pages.pageRefCount(f)).isEqualTo(2);
            assertThat(pages.pageMapcount(f)).isEqualTo(2);
            assertThat(u.m.pageFrames().flags(f) & PageFlags.PG_ANON_EXCLUSIVE).isZero();
        }
        assertThat(u.tables.flags(pte(u, mm, A + 4 * p)) & PteFlags.WRITE).as("shared stays writable").isNotZero();
        assertThat(u.tables.flags(pte(u, cmm, A + 4 * p)) & PteFlags.WRITE).isNotZero();
        assertThat(pages.pageRefCount(sharedPfn)).isEqualTo(2);
        assertThat(pages.pageMapcount(sharedPfn)).isEqualTo(2);

        u.cpu.setUserMode(true);
        try {
            assertThatThrownBy(() -> u.cpu.store32(A + 8, 1)).as("flush_tlb_mm dropped the writable entry")
                    .isInstanceOf(PageFaultException.class);
            assertThat(u.cpu.load32(A + 8)).isEqualTo(0xc0ffee);
        } finally {
            u.cpu.setUserMode(false);
        }
        u.m.scheduler().contextSwitch(u.cpu, child);
        u.cpu.setUserMode(true);
        assertThat(u.cpu.load32(A + 8)).as("the child sees the parent's bytes").isEqualTo(0xc0ffee);
        assertThat(u.cpu.load32(A + p + 8)).isEqualTo(0xbeef);
        u.cpu.setUserMode(false);

        u.m.scheduler().doExit(u.cpu, 0);
        assertThat(u.cpu.root()).as("back on init_mm").isEqualTo(u.m.mmu().kernelTables().root());
        assertThat(pages.pageRefCount(pfn)).isEqualTo(1);
        assertThat(pages.pageMapcount(pfn)).isEqualTo(1);
        assertThat(pages.pageMapcount(sharedPfn)).isEqualTo(1);
        u.m.scheduler().contextSwitch(u.cpu, parent);
        u.m.scheduler().doExit(u.cpu, 0);
        assertThat(u.m.nrFreePages()).as("every page, table and root is back").isEqualTo(free0);
        assertThat(u.m.log().lines()).extracting(l -> l.text()).noneMatch(t -> t.contains("Bad page"));
    }

    @Test
    void aKernelThreadForksAThreadWithoutAnMm() {
        UserMm u = UserMm.boot("x86_64");
        Task k = u.m.scheduler().kthreadCreate("kworker");
        u.m.scheduler().contextSwitch(u.cpu, k);
        Task child = u.m.scheduler().fork(u.cpu);
        assertThat(child.mm()).isNull();
        assertThat(child.isKthread()).isTrue();
        u.m.scheduler().contextSwitch(u.cpu, u.m.scheduler().idleTask(0));
    }

    @Test
    void anMmWithTwoUsersLivesUntilTheSecondExits() {
        UserMm u = UserMm.boot("i386");
        long free0 = u.m.nrFreePages();
        Mm mm = u.newMm();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, u.page(), RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, null, 0);
        Task first = u.run(mm);
        mm.mmget();
        Task second = u.m.scheduler().createUserTask("thread", mm);
        u.m.scheduler().doExit(u.cpu, 0);
        assertThat(mm.users()).isEqualTo(1);
        assertThat(mm.vmas().mapCount()).isEqualTo(1);
        u.m.scheduler().contextSwitch(u.cpu, second);
        u.m.scheduler().doExit(u.cpu, 0);
        assertThat(first.exited()).isTrue();
        assertThat(u.m.nrFreePages()).isEqualTo(free0);
    }

    @Test
    void aCpuLazilyOnTheDyingMmIsMovedToInitMmBeforeItsTablesGo() {
        UserMm u = UserMm.boot("x86_64");
        org.kmemu.core.mmu.Cpu cpu1 = u.m.mmu().cpu(1);
        long free0 = u.m.nrFreePages();
        Mm mm = u.newMm();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, u.page(), RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, null, 0);
        Task t = u.m.scheduler().createUserTask("user", mm);
        u.m.scheduler().contextSwitch(cpu1, t);
        Task k = u.m.scheduler().kthreadCreate("kworker/1:0");
        u.m.scheduler().contextSwitch(cpu1, k);
        assertThat(cpu1.root()).as("lazy TLB: the kthread runs on the user mm").isEqualTo(mm.pgdPhys());
        u.m.scheduler().contextSwitch(u.cpu, t);
        u.m.scheduler().doExit(u.cpu, 0);
        cpu1.load32(u.m.layout().pageOffset() + 0x1000);
        assertThat(cpu1.root()).as("leave_mm was applied before CPU 1's next access")
                .isEqualTo(u.m.mmu().kernelTables().root());
        assertThat(u.m.nrFreePages()).isEqualTo(free0);
        u.m.scheduler().contextSwitch(cpu1, u.m.scheduler().idleTask(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aPinnedExclusivePageIsCopiedForTheChildAtFork(String arch) {
        UserMm u = UserMm.boot(arch);
        PageApi pages = u.m.kernel().pages();
        long free0 = u.m.nrFreePages();
        Mm mm = u.newMm();
        Task parent = u.run(mm);
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * u.page(), RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, null, 0);
        u.cpu.setUserMode(true);
        u.cpu.store32(A + 16, 0x7e57);
        u.cpu.setUserMode(false);
        long pinned = u.tables.pfn(pte(u, mm, A));
        long other = u.tables.pfn(pte(u, mm, A + u.page()));
        assertThat(pages.tryGrabPage(pinned, true)).isTrue(); // pin_user_pages(FOLL_PIN) ...
        mm.setHasPinned(); // ... which sets MMF_HAS_PINNED

        Task child = u.m.scheduler().fork(u.cpu);
        Mm cmm = (Mm) child.mm();
        long copy = u.tables.pfn(pte(u, cmm, A));
        assertThat(copy).as("the child got its own page").isNotEqualTo(pinned);
        assertThat(u.tables.flags(pte(u, mm, A)) & PteFlags.WRITE).as("the parent keeps writing its page").isNotZero();
        assertThat(u.tables.flags(pte(u, cmm, A)) & PteFlags.WRITE).as("the copy is the child's alone").isNotZero();
        assertThat(pages.pageMapcount(pinned)).isEqualTo(1);
        assertThat(pages.pageMapcount(copy)).isEqualTo(1);
        assertThat(pages.pageRefCount(copy)).isEqualTo(1);
        assertThat(u.m.pageFrames().flags(pinned) & PageFlags.PG_ANON_EXCLUSIVE).isNotZero();
        assertThat(pages.pageMapcount(other)).as("the unpinned neighbour is shared as usual").isEqualTo(2);
        u.m.scheduler().contextSwitch(u.cpu, child);
        u.cpu.setUserMode(true);
        assertThat(u.cpu.load32(A + 16)).isEqualTo(0x7e57);
        u.cpu.setUserMode(false);
        u.m.scheduler().doExit(u.cpu, 0);
        u.m.scheduler().contextSwitch(u.cpu, parent);
        pages.unpinUserPage(u.cpu, pinned);
        u.m.scheduler().doExit(u.cpu, 0);
        assertThat(u.m.nrFreePages()).isEqualTo(free0);
    }
}
