package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.kmemu.core.kernel.KernelBugException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.api.ZoneType;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;

class FilemapTest {

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void aReadMissesThenHitsTheCache(String arch) {
        FsFixture f = new FsFixture(arch);
        byte[] contents = FsFixture.pattern(3 * f.pageSize + 100, 7);
        Inode inode = f.fs.create("/data", contents);
        Filemap fm = f.fs.filemap();
        long free = f.m.nrFreePages();

        byte[] got = new byte[contents.length + 50];
        assertThat(fm.read(f.cpu, inode, 0, got, 0, got.length)).as("stops at i_size").isEqualTo(contents.length);
        assertThat(Arrays.copyOf(got, contents.length)).isEqualTo(contents);
        assertThat(inode.mapping().nrPages()).isEqualTo(4);
        assertThat(f.fs.stats().nrFilePages()).isEqualTo(4);
        assertThat(f.fs.stats().pagesRead()).isEqualTo(4);
        assertThat(f.m.nrFreePages()).isEqualTo(free - 4);

        for (long index = 0; index < 4; index++) {
            long pfn = fm.findGetPage(inode.mapping(), index);
            assertThat(pfn).isNotEqualTo(Filemap.NO_PFN);
            assertThat(f.pages.pageRefCount(pfn)).as("the cache's and ours").isEqualTo(2);
            long word = f.pages.pageMappingWord(pfn);
            assertThat(MappingWord.index(word)).isEqualTo(index);
            assertThat(MappingWord.handle(word)).isEqualTo(inode.mapping().handle());
            assertThat(MappingWord.isAnon(word)).isFalse();
            assertThat(f.flags(pfn) & PageFlags.PG_UPTODATE).isNotZero();
            assertThat(f.flags(pfn) & (PageFlags.PG_LOCKED | PageFlags.PG_DIRTY | PageFlags.PG_LRU)).isZero();
            byte[] page = f.pageBytes(pfn);
            int inFile = (int) Math.min(f.pageSize, contents.length - index * f.pageSize);
            assertThat(Arrays.copyOf(page, inFile)).isEqualTo(Arrays.copyOfRange(contents, (int) index * f.pageSize,
                    (int) index * f.pageSize + inFile));
            for (int i = inFile; i < f.pageSize; i++) {
                assertThat(page[i]).as("past EOF the page is zeroed").isZero();
            }
            f.pages.putPage(f.cpu, pfn);
        }

        byte[] again = new byte[10];
        assertThat(fm.read(f.cpu, inode, f.pageSize + 5, again, 0, 10)).isEqualTo(10);
        assertThat(again).isEqualTo(Arrays.copyOfRange(contents, f.pageSize + 5, f.pageSize + 15));
        assertThat(f.fs.stats().pagesRead()).as("a hit reads nothing").isEqualTo(4);
        assertThat(f.m.nrFreePages()).isEqualTo(free - 4);
        assertThat(fm.read(f.cpu, inode, contents.length, again, 0, 10)).as("at EOF").isZero();
        assertThat(fm.read(f.cpu, inode, -1, again, 0, 10)).isEqualTo(-Errno.EINVAL);
    }

    @Test
    void onI386PageCachePagesAreHighmemAndReachedThroughPhysicalMemory() {
        FsFixture f = new FsFixture("i386", 1024 * FsFixture.MB);
        byte[] contents = FsFixture.pattern(f.pageSize, 3);
        Inode inode = f.fs.create("/hi", contents);
        byte[] got = new byte[f.pageSize];
        assertThat(f.fs.filemap().read(f.cpu, inode, 0, got, 0, f.pageSize)).isEqualTo(f.pageSize);
        long pfn = f.fs.filemap().findGetPage(inode.mapping(), 0);
        assertThat(PageFlags.zone(f.flags(pfn))).isEqualTo(ZoneType.HIGHMEM);
        assertThat(f.pages.pageAddress(pfn)).as("no kernel address").isZero();
        assertThat(got).isEqualTo(contents);
        byte[] patch = {9, 8, 7};
        assertThat(f.fs.filemap().write(f.cpu, inode, 100, patch, 0, 3)).isEqualTo(3);
        assertThat(Arrays.copyOfRange(f.pageBytes(pfn), 100, 103)).isEqualTo(patch);
        f.pages.putPage(f.cpu, pfn);
    }

    @Test
    void readingOrWritingInAtomicContextIsMightSleepsReport() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/f", new byte[100]);
        f.cpu.preemptDisable();
        assertThat(f.fs.filemap().read(f.cpu, inode, 0, new byte[10], 0, 10)).as("it still reads").isEqualTo(10);
        f.cpu.preemptEnable();
        String log = String.join("\n", f.m.log().texts());
        assertThat(log).contains("BUG: sleeping function called from invalid context at mm/filemap.c filemap_read")
                .contains("in_atomic(): 1, irqs_disabled(): 0");
        long before = f.m.log().texts().size();
        assertThat(f.fs.filemap().write(f.cpu, inode, 0, new byte[1], 0, 1)).isEqualTo(1);
        assertThat(f.m.log().texts()).as("not in atomic context: silent").hasSize((int) before);
    }

    @Test
    void aWriteDirtiesTheCacheAndLeavesTheDiskAlone() {
        FsFixture f = new FsFixture("x86_64");
        byte[] contents = FsFixture.pattern(2 * f.pageSize, 1);
        Inode inode = f.fs.create("/w", contents);
        Filemap fm = f.fs.filemap();
        byte[] hello = "hello".getBytes();
        assertThat(fm.write(f.cpu, inode, f.pageSize - 2, hello, 0, hello.length)).isEqualTo(5);
        assertThat(inode.mapping().nrPages()).as("both pages the write touched").isEqualTo(2);
        assertThat(f.fs.stats().nrFileDirty()).isEqualTo(2);
        assertThat(f.fs.stats().pagesRead()).as("partial pages are read before the copy").isEqualTo(2);
        byte[] expect = contents.clone();
        System.arraycopy(hello, 0, expect, f.pageSize - 2, 5);
        byte[] got = new byte[expect.length];
        assertThat(fm.read(f.cpu, inode, 0, got, 0, got.length)).isEqualTo(expect.length);
        assertThat(got).as("the cache has the new bytes").isEqualTo(expect);
        assertThat(FsFixture.disk(inode, contents.length)).as("the disk does not, yet").isEqualTo(contents);
        long pfn = fm.findGetPage(inode.mapping(), 0);
        assertThat(f.flags(pfn) & PageFlags.PG_DIRTY).isNotZero();
        f.pages.putPage(f.cpu, pfn);

        assertThat(fm.write(f.cpu, inode, 0, hello, 0, 5)).isEqualTo(5);
        assertThat(f.fs.stats().nrFileDirty()).as("a dirty page dirtied again counts once").isEqualTo(2);
    }

    @Test
    void aWritePastTheEndGrowsTheFileAndAFullPageIsNotRead() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/grow", new byte[10]);
        byte[] page = FsFixture.pattern(f.pageSize, 5);
        assertThat(f.fs.filemap().write(f.cpu, inode, 3L * f.pageSize, page, 0, f.pageSize)).isEqualTo(f.pageSize);
        assertThat(inode.size()).isEqualTo(4L * f.pageSize);
        assertThat(f.fs.stats().pagesRead()).as("a whole-page write needs no read").isZero();
        byte[] hole = new byte[f.pageSize];
        assertThat(f.fs.filemap().read(f.cpu, inode, f.pageSize, hole, 0, f.pageSize)).isEqualTo(f.pageSize);
        assertThat(hole).as("a hole reads as zeros").isEqualTo(new byte[f.pageSize]);
        byte[] back = new byte[f.pageSize];
        f.fs.filemap().read(f.cpu, inode, 3L * f.pageSize, back, 0, f.pageSize);
        assertThat(back).isEqualTo(page);
    }

    @Test
    void addAndDeleteKeepTheCachesReferenceAndTheCounts() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/x", new byte[f.pageSize]);
        Filemap fm = f.fs.filemap();
        PageLock lock = fm.pageLock();
        long pfn = f.pages.allocPages(f.cpu, inode.mapping().gfp(), 0);
        lock.trylock(pfn);
        assertThat(fm.addToPageCacheLru(inode.mapping(), pfn, 0)).isZero();
        assertThat(f.pages.pageRefCount(pfn)).isEqualTo(2);
        long other = f.pages.allocPages(f.cpu, inode.mapping().gfp(), 0);
        lock.trylock(other);
        assertThat(fm.addToPageCacheLru(inode.mapping(), other, 0)).isEqualTo(-Filemap.EEXIST);
        assertThat(f.pages.pageMappingWord(other)).isZero();
        lock.unlock(other);
        f.pages.putPage(f.cpu, other);
        assertThat(f.fs.stats().nrFilePages()).isEqualTo(1);
        fm.markDirty(pfn);
        assertThat(f.fs.stats().nrFileDirty()).isEqualTo(1);

        fm.deleteFromPageCache(f.cpu, inode.mapping(), pfn, 0);
        assertThat(f.pages.pageRefCount(pfn)).isEqualTo(1);
        assertThat(f.pages.pageMappingWord(pfn)).isZero();
        assertThat(f.flags(pfn) & PageFlags.PG_DIRTY).as("cancelled").isZero();
        assertThat(f.fs.stats().nrFileDirty()).isZero();
        assertThat(f.fs.stats().nrFilePages()).isZero();
        assertThat(fm.findGetPage(inode.mapping(), 0)).isEqualTo(Filemap.NO_PFN);
        lock.unlock(pfn);
        long free = f.m.nrFreePages();
        f.pages.putPage(f.cpu, pfn);
        assertThat(f.m.nrFreePages()).isEqualTo(free + 1);
        assertThat(String.join("\n", f.m.log().texts())).doesNotContain("Bad page");
    }

    /** The page cache's insert and delete want the page locked: mm/filemap.c's VM_BUG_ON_FOLIO, with the page dump. */
    @Test
    void addingOrDeletingAnUnlockedPageIsTheKernelsBugReport() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/x", new byte[f.pageSize]);
        Filemap fm = f.fs.filemap();
        long pfn = f.pages.allocPages(f.cpu, inode.mapping().gfp(), 0);
        assertThatThrownBy(() -> fm.addToPageCacheLru(inode.mapping(), pfn, 0)).isInstanceOf(KernelBugException.class)
                .hasMessageContaining("kernel BUG at mm/filemap.c");
        fm.pageLock().trylock(pfn);
        assertThat(fm.addToPageCacheLru(inode.mapping(), pfn, 0)).isZero();
        fm.pageLock().unlock(pfn);
        assertThatThrownBy(() -> fm.deleteFromPageCache(f.cpu, inode.mapping(), pfn, 0)).isInstanceOf(KernelBugException.class);
        assertThat(String.join("\n", f.m.log().texts())).contains("page dumped because: VM_BUG_ON_FOLIO(!folio_test_locked(folio))")
                .contains("__filemap_add_folio", "page_cache_delete");
    }
}
