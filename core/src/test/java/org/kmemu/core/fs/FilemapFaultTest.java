package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_ALLOW_RETRY;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_DEFAULT;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_RETRY_NOWAIT;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_TRIED;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_USER;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_WRITE;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_MAJOR;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_OOM;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_RETRY;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_SIGBUS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.memory.VmOperations;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;

class FilemapFaultTest {

    /** The whole protocol: a first try drops the mmap lock and asks for a retry; the retry gets the page as a major fault; the next fault is minor. */
    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void aMissDropsTheLockAndRetriesThenTheRetryGetsThePageMajor(String arch) {
        FsFixture f = new FsFixture(arch);
        byte[] contents = FsFixture.pattern(3 * f.pageSize, 11);
        Inode inode = f.fs.create("/bin/sh", contents);
        VmFile file = inode.open();
        Vma vma = FsFixture.map(file, contents.length, f.shift);
        Mm mm = f.mm(f.cpu);
        VmOperations ops = file.vmOps();

        mm.mmapLock().readLock();
        VmFault first = f.vmf(f.cpu, mm, vma, 1, FAULT_FLAG_DEFAULT | FAULT_FLAG_USER);
        int ret = ops.fault(first);
        assertThat(ret).as("filemap_fault's out_retry: ret | VM_FAULT_RETRY").isEqualTo(VM_FAULT_MAJOR | VM_FAULT_RETRY);
        assertThat(first.pfn).isEqualTo(-1);
        assertThat(mm.mmapLock().heldByCaller()).as("the mmap lock was dropped").isFalse();
        assertThat(mm.mmapLock().isLocked()).isFalse();
        assertThat(f.fs.stats().pgmajfault()).isEqualTo(1);
        long cached = f.fs.filemap().findGetPage(inode.mapping(), 1);
        assertThat(cached).as("the read was started and has completed").isNotEqualTo(-1);
        assertThat(f.pages.pageRefCount(cached)).as("the cache's and the lookup's: the fault kept none").isEqualTo(2);
        f.pages.putPage(f.cpu, cached);

        mm.mmapLock().readLock();
        VmFault retry = f.vmf(f.cpu, mm, vma, 1, FAULT_FLAG_DEFAULT | FAULT_FLAG_USER | FAULT_FLAG_TRIED);
        assertThat(ops.fault(retry)).as("mm_account_fault: a TRIED fault is major").isEqualTo(VM_FAULT_MAJOR);
        assertThat(retry.pfn).isEqualTo(cached);
        assertThat(mm.mmapLock().heldByCaller()).as("a fault that returns a page keeps the lock").isTrue();
        assertThat(f.pages.pageRefCount(cached)).as("the cache's and the caller's").isEqualTo(2);
        assertThat(f.flags(cached) & PageFlags.PG_LOCKED).as("returned unlocked").isZero();
        assertThat(Arrays.copyOf(f.pageBytes(cached), f.pageSize))
                .isEqualTo(Arrays.copyOfRange(contents, f.pageSize, 2 * f.pageSize));
        assertThat(f.fs.stats().pgmajfault()).as("one I/O, one major fault").isEqualTo(1);

        VmFault again = f.vmf(f.cpu, mm, vma, 1, FAULT_FLAG_DEFAULT | FAULT_FLAG_USER);
        assertThat(ops.fault(again)).as("cached: minor").isZero();
        assertThat(again.pfn).isEqualTo(cached);
        assertThat(f.pages.pageRefCount(cached)).isEqualTo(3);
        assertThat(f.fs.stats().pgmajfault()).isEqualTo(1);
        assertThat(f.fs.stats().pagesRead()).isEqualTo(1);
        mm.mmapLock().readUnlock();
        f.pages.putPage(f.cpu, cached);
        f.pages.putPage(f.cpu, cached);
    }

    /** A 1 TiB sparse file: a fault deep inside it caches one zero page at its index, nothing else. */
    @Test
    void aSparseTerabyteFileCostsOnlyItsCachedPages() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.createSparse("/var/lib/sparse.img", 1L << 40);
        Vma vma = new Vma(0x10000000L, 0x10000000L + (1L << 40), org.kmemu.core.mm.vma.VmFlags.VM_READ, 0, inode.open(), null);
        Mm mm = f.mm(f.cpu);
        long pgoff = (1L << 28) - 1; // the file's last page
        mm.mmapLock().readLock();
        VmFault vmf = f.vmf(f.cpu, mm, vma, pgoff, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(vmf)).isEqualTo(VM_FAULT_MAJOR);
        assertThat(f.pageBytes(vmf.pfn)).isEqualTo(new byte[f.pageSize]);
        assertThat(MappingWord.index(f.pages.pageMappingWord(vmf.pfn))).isEqualTo(pgoff);
        VmFault past = f.vmf(f.cpu, mm, vma, 1L << 28, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(past)).isEqualTo(VM_FAULT_SIGBUS);
        mm.mmapLock().readUnlock();
        assertThat(inode.mapping().nrPages()).isEqualTo(1);
        assertThat(inode.diskBlocks()).isZero();
        f.pages.putPage(f.cpu, vmf.pfn);
        byte[] b = {1, 2, 3};
        assertThat(f.fs.filemap().write(f.cpu, inode, (1L << 40) - 3, b, 0, 3)).isEqualTo(3);
        assertThat(f.fs.writeback().sync(f.cpu, inode)).isEqualTo(1);
        assertThat(inode.diskBlocks()).isEqualTo(1);
        assertThat(inode.size()).isEqualTo(1L << 40);
    }

    @Test
    void retryNowaitKeepsTheLock() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/f", new byte[100]);
        Vma vma = FsFixture.map(inode.open(), 100, f.shift);
        Mm mm = f.mm(f.cpu);
        mm.mmapLock().readLock();
        VmFault vmf = f.vmf(f.cpu, mm, vma, 0, FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT);
        assertThat(vma.file().vmOps().fault(vmf)).isEqualTo(VM_FAULT_MAJOR | VM_FAULT_RETRY);
        assertThat(mm.mmapLock().heldByCaller()).as("RETRY_NOWAIT: not dropped").isTrue();
        assertThat(inode.mapping().nrPages()).as("but the read was started").isEqualTo(1);
        mm.mmapLock().readUnlock();
    }

    @Test
    void withoutAllowRetryTheReadIsSynchronousAndMajor() {
        FsFixture f = new FsFixture("x86_64");
        byte[] contents = FsFixture.pattern(f.pageSize, 2);
        Inode inode = f.fs.create("/f", contents);
        Vma vma = FsFixture.map(inode.open(), contents.length, f.shift);
        Mm mm = f.mm(f.cpu);
        mm.mmapLock().readLock();
        VmFault vmf = f.vmf(f.cpu, mm, vma, 0, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(vmf)).isEqualTo(VM_FAULT_MAJOR);
        assertThat(mm.mmapLock().heldByCaller()).isTrue();
        assertThat(f.pageBytes(vmf.pfn)).isEqualTo(contents);
        assertThat(MappingWord.index(f.pages.pageMappingWord(vmf.pfn))).isZero();
        assertThat(f.fs.stats().pgmajfault()).isEqualTo(1);
        mm.mmapLock().readUnlock();
        f.pages.putPage(f.cpu, vmf.pfn);
    }

    @Test
    void pastTheEndOfTheFileIsSigbus() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/f", new byte[f.pageSize + 1]); // two pages: 0 and 1
        Vma vma = FsFixture.map(inode.open(), inode.size(), f.shift);
        Mm mm = f.mm(f.cpu);
        mm.mmapLock().readLock();
        VmFault last = f.vmf(f.cpu, mm, vma, 1, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(last)).isEqualTo(VM_FAULT_MAJOR);
        f.pages.putPage(f.cpu, last.pfn);
        for (long pgoff : new long[] {2, 3, 1L << 30}) {
            VmFault past = f.vmf(f.cpu, mm, vma, pgoff, FAULT_FLAG_DEFAULT);
            assertThat(vma.file().vmOps().fault(past)).as("pgoff %d", pgoff).isEqualTo(VM_FAULT_SIGBUS);
            assertThat(past.pfn).isEqualTo(-1);
            assertThat(mm.mmapLock().heldByCaller()).as("SIGBUS keeps the lock").isTrue();
        }
        assertThat(inode.mapping().nrPages()).isEqualTo(1);
        mm.mmapLock().readUnlock();
    }

    @Test
    void noPageIsOom() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/f", new byte[f.pageSize]);
        Vma vma = FsFixture.map(inode.open(), inode.size(), f.shift);
        Mm mm = f.mm(f.cpu);
        List<Long> hog = new ArrayList<>();
        for (long pfn; (pfn = f.pages.allocPages(f.cpu, org.kmemu.api.Gfp.GFP_HIGHUSER_MOVABLE | org.kmemu.api.Gfp.__GFP_NOWARN, 0))
                != PageAllocator.NO_PFN;) {
            hog.add(pfn);
        }
        mm.mmapLock().readLock();
        VmFault vmf = f.vmf(f.cpu, mm, vma, 0, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(vmf)).isEqualTo(VM_FAULT_OOM);
        assertThat(vmf.pfn).isEqualTo(-1);
        VmFault first = f.vmf(f.cpu, mm, vma, 0, FAULT_FLAG_DEFAULT);
        assertThat(vma.file().vmOps().fault(first)).as("lock dropped already: retry").isEqualTo(VM_FAULT_MAJOR | VM_FAULT_RETRY);
        assertThat(mm.mmapLock().heldByCaller()).isFalse();
        assertThat(inode.mapping().nrPages()).isZero();
        for (long pfn : hog) {
            f.pages.putPage(f.cpu, pfn);
        }
        mm.mmapLock().readLock();
        VmFault later = f.vmf(f.cpu, mm, vma, 0, FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(later)).isEqualTo(VM_FAULT_MAJOR);
        mm.mmapLock().readUnlock();
        f.pages.putPage(f.cpu, later.pfn);
    }

    @Test
    void pageMkwriteDirtiesTheCachedPage() {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/f", new byte[f.pageSize]);
        Vma vma = FsFixture.map(inode.open(), inode.size(), f.shift);
        Mm mm = f.mm(f.cpu);
        mm.mmapLock().readLock();
        VmFault vmf = f.vmf(f.cpu, mm, vma, 0, FAULT_FLAG_USER | FAULT_FLAG_WRITE);
        assertThat(vma.file().vmOps().fault(vmf)).isEqualTo(VM_FAULT_MAJOR);
        assertThat(vma.file().vmOps().pageMkwrite(vmf)).isZero();
        assertThat(f.flags(vmf.pfn) & PageFlags.PG_DIRTY).isNotZero();
        assertThat(f.fs.stats().nrFileDirty()).isEqualTo(1);
        mm.mmapLock().readUnlock();
        assertThat(f.fs.writeback().sync(f.cpu, inode)).isEqualTo(1);
        f.pages.putPage(f.cpu, vmf.pfn);
    }
}
