package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_FORCE;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_LONGTERM;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_WRITE;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Errno;
import org.kmemu.core.fs.Inode;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.sched.Task;

/**
 * The get_user_pages family on real address spaces: the mm, VMAs, page cache and fault handler the booted
 * machine wires ({@code kernel().memory()}, {@code kernel().fs()}), not GupTest's test fault handler. Every
 * test ends with every task exited and every page back in the buddy allocator.
 */
class GupOnRealMmTest {
    private static final long U = 0x10000000L;

    private static RealMm boot(String arch) {
        return new RealMm(UserMmFixture.bootMachine(arch));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void forceWriteThroughAReadOnlyPrivateFileMappingWritesAnAnonCopyNeverTheFile(String arch) {
        RealMm r = boot(arch);
        Inode file = r.file("/force-" + arch, 2);
        long a = r.mmap(U, 2 * r.page, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_FIXED, file, 0);
        assertThat(a).isEqualTo(U);
        assertThat(r.load(a + 8)).isEqualTo(RealMm.pattern(0, 2));
        long cachePfn = r.pfn(a);
        assertThat(r.m.kernel().pages().pageAnon(cachePfn)).as("mapped from the page cache").isFalse();

        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        long n;
        try {
            n = r.um.gup().getUserPages(r.cpu, a, 1, FOLL_WRITE | FOLL_FORCE, out);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
        assertThat(n).isEqualTo(1);
        assertThat(out[0]).as("a private copy, not the file's page").isNotEqualTo(cachePfn);
        assertThat(r.m.kernel().pages().pageAnon(out[0])).isTrue();
        assertThat(r.pfn(a)).as("the task now maps the copy").isEqualTo(out[0]);
        r.writePhys32(out[0], 8, 0xf00d); // the "debugger" writes through the page it got
        r.um.gup().putPage(r.cpu, out[0]);

        assertThat(r.load(a + 8)).as("the task sees the new data").isEqualTo(0xf00d);
        assertThat(r.load(a + 12)).as("the rest was copied from the file").isEqualTo(RealMm.pattern(0, 3));
        assertThat(r.phys32(cachePfn, 8)).as("the page-cache page is untouched").isEqualTo(RealMm.pattern(0, 2));
        assertThat(r.m.pageFrames().flags(cachePfn) & PageFlags.PG_DIRTY).as("and not dirty").isZero();
        byte[] back = new byte[4];
        r.m.kernel().fs().filemap().read(r.cpu, file, 8, back, 0, 4);
        assertThat(java.nio.ByteBuffer.wrap(back).order(r.m.arch().byteOrder()).getInt())
                .as("read(2) of the file").isEqualTo(RealMm.pattern(0, 2));
        assertThat(r.refs(cachePfn)).as("only the cache holds the file page").isEqualTo(1);
        assertThat(r.mapcount(cachePfn)).isZero();

        r.exitCurrent();
        assertThat(r.freeDelta(file)).as("every page back").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void getUserPagesUnlockedRetriesRealFilemapFaultMissesAndReturnsEveryPage(String arch) {
        RealMm r = boot(arch);
        Inode file = r.file("/retry-" + arch, 4);
        long a = r.mmap(U, 4 * r.page, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_FIXED, file, 0);
        assertThat(file.mapping().nrPages()).as("nothing cached yet").isZero();
        long[] out = new long[4];
        assertThat(r.um.gup().getUserPagesUnlocked(r.cpu, a, 4, out, 0)).isEqualTo(4);
        assertThat(r.mm.mmapLock().isLocked()).isFalse();
        assertThat(r.task.majFlt()).as("each page needed I/O: a retried fault is major").isEqualTo(4);
        assertThat(r.task.minFlt()).isZero();
        assertThat(file.mapping().nrPages()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(out[i]).as("page %d is the page-cache page the task maps", i).isEqualTo(r.pfn(a + i * r.page));
            assertThat(r.phys32(out[i], 4)).isEqualTo(RealMm.pattern(i, 1));
            assertThat(r.refs(out[i])).as("cache + PTE + GUP").isEqualTo(3);
            r.um.gup().putPage(r.cpu, out[i]);
            assertThat(r.refs(out[i])).isEqualTo(2);
        }
        r.exitCurrent();
        assertThat(r.freeDelta(file)).as("every page back").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void getUserPagesLockedTellsTheCallerTheLockWasDropped(String arch) {
        RealMm r = boot(arch);
        Inode file = r.file("/locked-" + arch, 2);
        long a = r.mmap(U, 2 * r.page, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_FIXED, file, 0);
        long[] out = new long[2];
        int[] locked = {1};
        r.mm.mmapLock().readLock();
        long n = r.um.gup().getUserPagesLocked(r.cpu, a, 2, 0, out, locked);
        if (locked[0] != 0) {
            r.mm.mmapLock().readUnlock();
        }
        assertThat(n).isEqualTo(2);
        assertThat(locked[0]).as("filemap_fault dropped the lock: the caller must not unlock").isZero();
        assertThat(r.mm.mmapLock().isLocked()).isFalse();
        r.um.gup().putPage(r.cpu, out[0]);
        r.um.gup().putPage(r.cpu, out[1]);
        r.exitCurrent();
        assertThat(r.freeDelta(file)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aHoleStopsGupWithThePagesBeforeItWhichTheCallerReleases(String arch) {
        RealMm r = boot(arch);
        assertThat(r.anon(U, 3)).isEqualTo(U);
        assertThat(r.um.mmap().vmMunmap(r.cpu, r.mm, U + 2 * r.page, r.page)).isZero();
        r.store(U, 1);
        long before = r.m.nrFreePages();
        long[] out = new long[5];
        r.mm.mmapLock().readLock();
        try {
            assertThat(r.um.gup().getUserPages(r.cpu, U, 5, FOLL_WRITE, out)).as("two pages, then the hole").isEqualTo(2);
            assertThat(r.um.gup().getUserPages(r.cpu, U + 2 * r.page, 1, 0, out)).as("nothing: -EFAULT")
                    .isEqualTo(-Errno.EFAULT);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
        assertThat(r.refs(out[0])).isEqualTo(2);
        assertThat(r.refs(out[1])).as("faulted in by GUP for write").isEqualTo(2);
        r.um.gup().putPage(r.cpu, out[0]);
        r.um.gup().putPage(r.cpu, out[1]);
        assertThat(r.refs(out[0])).isEqualTo(1);
        assertThat(r.refs(out[1])).isEqualTo(1);
        assertThat(r.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(2);
        assertThat(before - r.m.nrFreePages()).as("only the one page GUP faulted in").isLessThanOrEqualTo(1);
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void pinAndUnpinPutRefcountsBackWhereTheyStarted(String arch) {
        RealMm r = boot(arch);
        int pages = 8;
        r.anon(U, pages);
        int[] start = new int[pages];
        for (int i = 0; i < pages; i++) {
            r.store(U + i * r.page, i);
            start[i] = r.refs(r.pfn(U + i * r.page));
        }
        long[] out = new long[pages];
        r.mm.mmapLock().readLock();
        try {
            assertThat(r.um.gup().pinUserPages(r.cpu, U, pages, FOLL_WRITE | FOLL_LONGTERM, out)).isEqualTo(pages);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
        for (int i = 0; i < pages; i++) {
            assertThat(out[i]).isEqualTo(r.pfn(U + i * r.page));
            assertThat(r.refs(out[i])).isEqualTo(start[i] + PageFrames.GUP_PIN_COUNTING_BIAS);
            assertThat(r.m.kernel().pages().pageMaybeDmaPinned(out[i])).isTrue();
        }
        assertThat(r.mm.hasPinned()).isTrue();
        r.um.gup().unpinUserPagesDirtyLock(r.cpu, out, pages, true);
        for (int i = 0; i < pages; i++) {
            assertThat(r.refs(out[i])).isEqualTo(start[i]);
            assertThat(r.m.kernel().pages().pageMaybeDmaPinned(out[i])).isFalse();
        }
        // gup-fast: the same, without the lock.
        assertThat(r.um.gup().getUserPagesFast(r.cpu, U, pages, FOLL_WRITE, out)).isEqualTo(pages);
        for (int i = 0; i < pages; i++) {
            assertThat(r.refs(out[i])).isEqualTo(start[i] + 1);
            r.um.gup().putPage(r.cpu, out[i]);
            assertThat(r.refs(out[i])).isEqualTo(start[i]);
        }
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void gupWithoutTheMmapLockReportsMmapAssertLocked(String arch) {
        RealMm r = boot(arch);
        r.anon(U, 1);
        int before = r.m.log().texts().size();
        long[] out = new long[1];
        assertThat(r.um.gup().getUserPages(r.cpu, U, 1, FOLL_WRITE, out)).isEqualTo(1);
        List<String> added = r.m.log().texts().subList(before, r.m.log().texts().size());
        assertThat(added).anyMatch(l -> l.contains("WARNING: CPU: 0 PID: " + r.task.pid() + " at include/linux/rwsem.h"));
        r.um.gup().putPage(r.cpu, out[0]);
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aReadPinOfACowSharedPageAfterForkUnsharesItSoTheChildsWriteMissesThePin(String arch) {
        RealMm r = boot(arch);
        r.anon(U, 1);
        r.store(U + 4, 0x1111);
        long shared = r.pfn(U);
        Task parent = r.task;
        Task child = r.m.scheduler().fork(r.cpu);
        Mm cmm = (Mm) child.mm();
        assertThat(r.pfn(cmm, U)).isEqualTo(shared);
        assertThat(r.mapcount(shared)).isEqualTo(2);

        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        try {
            // A read-only pin: gup_must_unshare says an anon page that is not exclusive must be unshared.
            assertThat(r.um.gup().pinUserPages(r.cpu, U, 1, 0, out)).isEqualTo(1);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
        assertThat(out[0]).as("the parent got its own exclusive copy").isNotEqualTo(shared);
        assertThat(r.pfn(U)).isEqualTo(out[0]);
        assertThat(r.m.pageFrames().flags(out[0]) & PageFlags.PG_ANON_EXCLUSIVE).isNotZero();
        assertThat(r.mapcount(shared)).isEqualTo(1);

        r.m.scheduler().contextSwitch(r.cpu, child);
        r.store(U + 4, 0x2222); // the child's write: its page is its own now, reused in place
        assertThat(r.load(U + 4)).isEqualTo(0x2222);
        assertThat(r.phys32(out[0], 4)).as("the pinned page does not see the child's write").isEqualTo(0x1111);
        r.exitCurrent(); // the child
        r.m.scheduler().contextSwitch(r.cpu, parent);
        assertThat(r.load(U + 4)).isEqualTo(0x1111);
        r.um.gup().unpinUserPage(r.cpu, out[0]);
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }
}
