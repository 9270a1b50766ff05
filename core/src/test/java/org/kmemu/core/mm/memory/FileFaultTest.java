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
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.UserFaultSignal;
import org.kmemu.core.sched.SigInfo;

/** do_read_fault, do_cow_fault, do_shared_fault, write-protect faults on file pages, RETRY and SIGBUS. */
class FileFaultTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aReadFaultMapsThePageCachePageReadOnlyAndCountsAMajorFault(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 8);
        f.map(U, 4 * f.page, RW, 2, cache.file);
        assertThat(f.load(U + f.page + 12)).isEqualTo(FakePageCache.pattern(3, 3));
        long pfn = cache.pages.get(3L);
        assertThat(f.pfn(U + f.page)).as("the page-cache page itself").isEqualTo(pfn);
        assertThat(f.pteFlags(U + f.page) & PteFlags.WRITE).as("private: read-only until written").isZero();
        assertThat(f.m.kernel().pages().pageRefCount(pfn)).as("the cache's and the PTE's").isEqualTo(2);
        assertThat(f.m.kernel().pages().pageMapcount(pfn)).isEqualTo(1);
        assertThat(f.mm.rss(Mm.MM_FILEPAGES)).isEqualTo(1);
        assertThat(f.task.majFlt()).isEqualTo(1);
        assertThat(f.task.minFlt()).isZero();
        assertThat(f.um.vmEvents().sum(VmEvents.PGMAJFAULT)).isEqualTo(1);

        f.load(U + f.page);
        assertThat(cache.faultFlags).as("mapped: no second fault").hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aPrivateWriteCopiesThePageAndTheFileNeverSeesIt(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 8);
        f.map(U, 4 * f.page, RW, 0, cache.file);

        f.store(U + 4, 0xdead); // do_cow_fault
        long cachePfn = cache.pages.get(0L);
        long mine = f.pfn(U);
        assertThat(mine).isNotEqualTo(cachePfn);
        assertThat(f.load(U + 4)).isEqualTo(0xdead);
        assertThat(f.load(U + 8)).as("the rest copied from the file").isEqualTo(FakePageCache.pattern(0, 2));
        assertThat(f.phys32(cachePfn, 4)).as("the file's page is untouched").isEqualTo(FakePageCache.pattern(0, 1));
        assertThat(f.m.kernel().pages().pageRefCount(cachePfn)).as("only the cache holds it").isEqualTo(1);
        assertThat(f.m.kernel().pages().pageMapcount(cachePfn)).isZero();
        assertThat(f.m.kernel().pages().pageAnon(mine)).isTrue();
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(1);
        assertThat(f.mm.rss(Mm.MM_FILEPAGES)).isZero();

        // Read first, then write: do_wp_page copies the page-cache page (wp_page_copy).
        assertThat(f.load(U + f.page)).isEqualTo(FakePageCache.pattern(1, 0));
        assertThat(f.mm.rss(Mm.MM_FILEPAGES)).isEqualTo(1);
        f.store(U + f.page, 7);
        assertThat(f.pfn(U + f.page)).isNotEqualTo(cache.pages.get(1L));
        assertThat(f.load(U + f.page + 4)).isEqualTo(FakePageCache.pattern(1, 1));
        assertThat(f.phys32(cache.pages.get(1L), 0)).isEqualTo(FakePageCache.pattern(1, 0));
        assertThat(f.mm.rss(Mm.MM_FILEPAGES)).isZero();
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(2);
        assertThat(f.m.kernel().pages().pageRefCount(cache.pages.get(1L))).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aSharedWriteGoesToThePageCachePageAndDirtiesIt(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 8);
        f.map(U, 4 * f.page, SHARED_RW, 0, cache.file);
        f.store(U + 16, 99); // do_shared_fault
        long pfn = cache.pages.get(0L);
        assertThat(f.pfn(U)).isEqualTo(pfn);
        assertThat(f.phys32(pfn, 16)).isEqualTo(99);
        assertThat(cache.mkwriteCalls).isEqualTo(1);
        assertThat(cache.dirty(0)).isTrue();
        assertThat(f.pteFlags(U) & (PteFlags.WRITE | PteFlags.DIRTY)).isEqualTo(PteFlags.WRITE | PteFlags.DIRTY);

        // Read first: the shared file mapping's vm_page_prot is write-protected (vma_wants_writenotify), so
        // the first write is a write-protect fault that still goes through ->page_mkwrite.
        assertThat(f.load(U + f.page)).isEqualTo(FakePageCache.pattern(1, 0));
        assertThat(f.pteFlags(U + f.page) & PteFlags.WRITE).isZero();
        assertThat(cache.dirty(1)).isFalse();
        f.store(U + f.page, 5);
        assertThat(cache.mkwriteCalls).isEqualTo(2);
        assertThat(cache.dirty(1)).isTrue();
        assertThat(f.pfn(U + f.page)).as("the same page, made writable").isEqualTo(cache.pages.get(1L));
        assertThat(f.phys32(cache.pages.get(1L), 0)).isEqualTo(5);
        assertThat(f.mm.rss(Mm.MM_FILEPAGES)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void retryDropsTheLockAndTheSecondTryWithFaultFlagTriedMapsThePage(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 8);
        cache.retryFirst = true;
        f.map(U, 4 * f.page, RO, 0, cache.file);
        assertThat(f.load(U)).isEqualTo(FakePageCache.pattern(0, 0));
        assertThat(cache.faultFlags).hasSize(2);
        assertThat(cache.faultFlags.get(0) & FaultFlags.FAULT_FLAG_TRIED).isZero();
        assertThat(cache.faultFlags.get(0) & FaultFlags.FAULT_FLAG_DEFAULT).isEqualTo(FaultFlags.FAULT_FLAG_DEFAULT);
        assertThat(cache.faultFlags.get(0) & FaultFlags.FAULT_FLAG_USER).isNotZero();
        assertThat(cache.faultFlags.get(1) & FaultFlags.FAULT_FLAG_TRIED).isNotZero();
        assertThat(f.mm.mmapLock().isLocked()).as("the lock is released after the retry").isFalse();
        assertThat(f.task.majFlt()).as("a retried fault is major").isEqualTo(1);
        assertThat(f.um.vmEvents().sum(VmEvents.PGFAULT)).as("the retry is counted once").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void pastTheEndOfTheFileIsSigbusAndTheMachineGoesOn(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 1);
        f.map(U, 4 * f.page, RO, 0, cache.file);
        assertThatThrownBy(() -> f.load(U + f.page + 8)).isInstanceOfSatisfying(UserFaultSignal.class, e ->
                assertThat(e.signal()).isEqualTo(new SigInfo(SigInfo.SIGBUS, SigInfo.BUS_ADRERR, U + f.page + 8)));
        assertThat(f.task.pendingSignal()).isEqualTo(new SigInfo(SigInfo.SIGBUS, SigInfo.BUS_ADRERR, U + f.page + 8));
        assertThat(f.mm.mmapLock().isLocked()).isFalse();
        assertThat(f.load(U)).as("the machine keeps running").isEqualTo(FakePageCache.pattern(0, 0));
        assertThat(f.um.vmEvents().sum(VmEvents.PGFAULT)).as("failed faults count in pgfault").isEqualTo(2);
        assertThat(f.task.majFlt() + f.task.minFlt()).as("but not in the task's").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aFileWithoutVmOpsIsSigbus(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, f.page, RO, 0, new VmFile("/nofault", 8, 1, 1));
        assertThatThrownBy(() -> f.load(U)).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal().signo()).isEqualTo(SigInfo.SIGBUS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aForcedWriteThroughAReadOnlyPrivateMappingGetsAPrivateReadOnlyCopy(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        FakePageCache cache = new FakePageCache(f, 8);
        Vma vma = f.map(U, 4 * f.page, RO, 0, cache.file);
        f.mm.mmapLock().readLock();
        int ret;
        try {
            // GUP with FOLL_WRITE|FOLL_FORCE: handle_mm_fault does not check VM_WRITE.
            ret = f.um.handleMmFault(f.cpu, f.mm, vma, U, FaultFlags.FAULT_FLAG_WRITE);
        } finally {
            f.mm.mmapLock().readUnlock();
        }
        assertThat(ret & VmFaultCodes.VM_FAULT_ERROR).isZero();
        long pfn = f.pfn(U);
        assertThat(pfn).isNotEqualTo(cache.pages.get(0L));
        assertThat(f.m.kernel().pages().pageAnon(pfn)).isTrue();
        assertThat(f.pteFlags(U) & (PteFlags.WRITE | PteFlags.DIRTY)).as("maybe_mkwrite: no VM_WRITE")
                .isEqualTo(PteFlags.DIRTY);
        assertThatThrownBy(() -> f.store(U, 1)).as("the task itself still may not write")
                .isInstanceOfSatisfying(UserFaultSignal.class,
                        e -> assertThat(e.signal()).isEqualTo(new SigInfo(SigInfo.SIGSEGV, SigInfo.SEGV_ACCERR, U)));
    }
}
