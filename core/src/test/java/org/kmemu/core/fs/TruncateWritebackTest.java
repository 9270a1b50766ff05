package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_USER;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_SIGBUS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;

class TruncateWritebackTest {

    private static List<Long> cachedPfns(FsFixture f, Inode inode, long pages) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < pages; i++) {
            long pfn = f.fs.filemap().findGetPage(inode.mapping(), i);
            if (pfn != Filemap.NO_PFN) {
                out.add(pfn);
                f.pages.putPage(f.cpu, pfn);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void truncateDropsTheCachePastTheEndAndEveryPageGoesBackToTheBuddyAllocator(String arch) {
        FsFixture f = new FsFixture(arch);
        long free = f.m.nrFreePages();
        byte[] contents = FsFixture.pattern(10 * f.pageSize, 4);
        Inode inode = f.fs.create("/big", contents);
        byte[] all = new byte[contents.length];
        f.fs.filemap().read(f.cpu, inode, 0, all, 0, all.length);
        f.fs.filemap().write(f.cpu, inode, 8L * f.pageSize, new byte[] {1}, 0, 1); // one dirty page past the cut
        List<Long> before = cachedPfns(f, inode, 10);
        assertThat(before).hasSize(10);
        assertThat(f.m.nrFreePages()).isEqualTo(free - 10);
        assertThat(f.fs.stats().nrFileDirty()).isEqualTo(1);

        long cut = 2L * f.pageSize + f.pageSize / 2;
        assertThat(f.fs.truncate().truncate(f.cpu, inode, cut)).isZero();
        assertThat(inode.size()).isEqualTo(cut);
        assertThat(inode.mapping().nrPages()).isEqualTo(3);
        assertThat(f.m.nrFreePages()).as("seven pages back").isEqualTo(free - 3);
        for (long pfn : before.subList(3, 10)) {
            assertThat(f.pages.pageRefCount(pfn)).isZero();
            assertThat(f.pages.pageMappingWord(pfn)).isZero();
        }
        assertThat(f.fs.stats().nrFilePages()).isEqualTo(3);
        assertThat(f.fs.stats().nrFileDirty()).as("the dirty page's state was cancelled").isZero();
        byte[] partial = f.pageBytes(before.get(2));
        assertThat(Arrays.copyOf(partial, f.pageSize / 2))
                .isEqualTo(Arrays.copyOfRange(contents, 2 * f.pageSize, 2 * f.pageSize + f.pageSize / 2));
        assertThat(Arrays.copyOfRange(partial, f.pageSize / 2, f.pageSize)).as("tail zeroed")
                .isEqualTo(new byte[f.pageSize / 2]);

        Mm mm = f.mm(f.cpu);
        long freeWithMm = f.m.nrFreePages();
        Vma vma = FsFixture.map(inode.open(), contents.length, f.shift);
        mm.mmapLock().readLock();
        VmFault past = f.vmf(f.cpu, mm, vma, 3, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(past)).isEqualTo(VM_FAULT_SIGBUS);
        mm.mmapLock().readUnlock();

        f.fs.truncate().truncate(f.cpu, inode, inode.size() + 10 * f.pageSize);
        byte[] grown = new byte[f.pageSize];
        f.fs.filemap().read(f.cpu, inode, 4L * f.pageSize, grown, 0, grown.length);
        assertThat(grown).as("growing leaves a hole, not the old bytes").isEqualTo(new byte[f.pageSize]);

        assertThat(f.fs.truncate().truncate(f.cpu, inode, 0)).isZero();
        assertThat(inode.mapping().nrPages()).isZero();
        assertThat(inode.diskBlocks()).isZero();
        assertThat(f.m.nrFreePages()).as("the three pages left by the cut are back too").isEqualTo(freeWithMm + 3);
        assertThat(f.fs.stats().nrFilePages()).isZero();
        assertThat(f.fs.truncate().truncate(f.cpu, inode, -1)).isEqualTo(-Errno.EINVAL);
        assertThat(String.join("\n", f.m.log().texts())).doesNotContain("Bad page");
    }

    @Test
    void aPageStillHeldLeavesTheCacheAndIsFreedByItsLastHolder() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/m", new byte[f.pageSize]);
        f.fs.filemap().read(f.cpu, inode, 0, new byte[1], 0, 1);
        long pfn = f.fs.filemap().findGetPage(inode.mapping(), 0); // as a PTE mapping it would hold it
        f.pages.pageAddMapcount(pfn, 1);
        assertThat(f.fs.nrFileMapped()).isEqualTo(1);
        long free = f.m.nrFreePages();
        f.fs.truncate().truncate(f.cpu, inode, 0);
        assertThat(f.fs.nrFileMapped()).isZero();
        assertThat(f.m.nrFreePages()).as("still held").isEqualTo(free);
        assertThat(f.pages.pageRefCount(pfn)).isEqualTo(1);
        f.pages.pageAddMapcount(pfn, -1);
        f.pages.putPage(f.cpu, pfn);
        assertThat(f.m.nrFreePages()).isEqualTo(free + 1);
        assertThat(String.join("\n", f.m.log().texts())).doesNotContain("Bad page");
    }

    @Test
    void writebackWritesTheDirtyBytesToTheDiskInTwoSteps() {
        FsFixture f = new FsFixture("x86_64");
        byte[] contents = FsFixture.pattern(3 * f.pageSize, 9);
        Inode inode = f.fs.create("/log", contents);
        byte[] news = "new bytes".getBytes();
        f.fs.filemap().write(f.cpu, inode, f.pageSize + 10, news, 0, news.length);
        f.fs.filemap().write(f.cpu, inode, 3L * f.pageSize, news, 0, news.length); // grows the file
        assertThat(f.fs.stats().nrFileDirty()).isEqualTo(2);
        long pfn = f.fs.filemap().findGetPage(inode.mapping(), 1);

        assertThat(f.fs.writeback().start(f.cpu, inode)).isEqualTo(2);
        assertThat(f.fs.stats().nrFileDirty()).isZero();
        assertThat(f.fs.stats().nrWriteback()).isEqualTo(2);
        assertThat(f.flags(pfn) & (PageFlags.PG_WRITEBACK | PageFlags.PG_DIRTY)).isEqualTo(PageFlags.PG_WRITEBACK);
        assertThat(f.pages.pageRefCount(pfn)).as("cache, us, the write in flight").isEqualTo(3);
        byte[] expect = Arrays.copyOf(contents, 3 * f.pageSize + news.length);
        System.arraycopy(news, 0, expect, f.pageSize + 10, news.length);
        System.arraycopy(news, 0, expect, 3 * f.pageSize, news.length);
        assertThat(FsFixture.disk(inode, expect.length)).isEqualTo(expect);
        assertThat(f.fs.stats().pagesWritten()).isEqualTo(2);

        assertThat(f.fs.writeback().end(f.cpu, inode)).isEqualTo(2);
        assertThat(f.fs.stats().nrWriteback()).isZero();
        assertThat(f.flags(pfn) & PageFlags.PG_WRITEBACK).isZero();
        assertThat(f.pages.pageRefCount(pfn)).isEqualTo(2);
        assertThat(f.fs.writeback().sync(f.cpu, inode)).as("nothing dirty").isZero();
        f.pages.putPage(f.cpu, pfn);

        assertThat(f.fs.dropCaches(f.cpu)).as("clean and unused: dropped").isEqualTo(2);
        byte[] back = new byte[expect.length];
        assertThat(f.fs.filemap().read(f.cpu, inode, 0, back, 0, back.length)).isEqualTo(expect.length);
        assertThat(back).as("read back from the disk").isEqualTo(expect);
    }

    @Test
    void truncateCompletesWritesInFlightAndSyncWritesEveryFile() {
        FsFixture f = new FsFixture("x86_64");
        Inode a = f.fs.create("/a", new byte[f.pageSize]);
        Inode b = f.fs.create("/b", new byte[f.pageSize]);
        f.fs.filemap().write(f.cpu, a, 0, new byte[] {1}, 0, 1);
        f.fs.filemap().write(f.cpu, b, 0, new byte[] {2}, 0, 1);
        assertThat(f.fs.writeback().start(f.cpu, a)).isEqualTo(1);
        long free = f.m.nrFreePages();
        f.fs.truncate().truncate(f.cpu, a, 0);
        assertThat(f.fs.stats().nrWriteback()).isZero();
        assertThat(f.m.nrFreePages()).isEqualTo(free + 1);
        assertThat(f.fs.sync(f.cpu)).isEqualTo(1);
        assertThat(FsFixture.disk(b, 1)).containsExactly(2);
        assertThat(String.join("\n", f.m.log().texts())).doesNotContain("Bad page");
    }
}
