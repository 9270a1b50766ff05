package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_DEFAULT;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_TRIED;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_USER;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_RETRY;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;

/** Two threads as two CPUs faulting the same file pages get the same pages. */
class ConcurrentFaultTest {
    private static final int PAGES = 200;

    @Test
    void twoCpusFaultingTheSameIndexGetOnePage() throws Exception {
        FsFixture f = new FsFixture("x86_64");
        Inode inode = f.fs.create("/shared", FsFixture.pattern(PAGES * f.pageSize, 3));
        Vma vma = FsFixture.map(inode.open(), inode.size(), f.shift);
        Mm mm = f.mm(f.cpu);
        f.m.mmu().owners().release(0); // the workers are CPUs 0 and 1 now
        long free = f.m.nrFreePages();
        long[][] got = new long[2][PAGES];
        CyclicBarrier barrier = new CyclicBarrier(2);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread[] threads = new Thread[2];
        for (int c = 0; c < 2; c++) {
            int id = c;
            threads[c] = new Thread(() -> {
                try {
                    Cpu cpu = f.m.mmu().cpu(id);
                    for (int i = 0; i < PAGES; i++) {
                        barrier.await();
                        got[id][i] = faultIn(f, cpu, mm, vma, i, id == 0 ? FAULT_FLAG_DEFAULT : FAULT_FLAG_USER);
                    }
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                    barrier.reset();
                }
            }, "cpu" + c);
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failed.get()).isNull();
        assertThat(got[0]).isEqualTo(got[1]);
        assertThat(inode.mapping().nrPages()).isEqualTo(PAGES);
        assertThat(f.m.nrFreePages()).as("one page per index, no leak from a lost race").isEqualTo(free - PAGES);
        assertThat(f.fs.stats().nrFilePages()).isEqualTo(PAGES);
        for (int i = 0; i < PAGES; i++) {
            long pfn = got[0][i];
            assertThat(f.pages.pageRefCount(pfn)).as("the cache and the two faults").isEqualTo(3);
            assertThat(f.flags(pfn) & PageFlags.PG_LOCKED).isZero();
            byte[] expect = new byte[f.pageSize];
            System.arraycopy(FsFixture.pattern(PAGES * f.pageSize, 3), i * f.pageSize, expect, 0, f.pageSize);
            assertThat(f.pageBytes(pfn)).isEqualTo(expect);
        }
    }

    /** handle_mm_fault's loop around ->fault: take the lock, fault, retry once with TRIED. */
    static long faultIn(FsFixture f, Cpu cpu, Mm mm, Vma vma, long pgoff, int flags) {
        mm.mmapLock().readLock();
        VmFault vmf = f.vmf(cpu, mm, vma, pgoff, flags);
        int ret = vma.file().vmOps().fault(vmf);
        if ((ret & VM_FAULT_RETRY) != 0) {
            mm.mmapLock().readLock();
            vmf = f.vmf(cpu, mm, vma, pgoff, flags | FAULT_FLAG_TRIED);
            ret = vma.file().vmOps().fault(vmf);
            assertThat(ret & VM_FAULT_RETRY).isZero();
        }
        mm.mmapLock().readUnlock();
        assertThat(vmf.pfn).isNotEqualTo(-1);
        return vmf.pfn;
    }

    /** A fault that finds the page locked by a reader sleeps on PG_locked and gets the page the reader filled. */
    @Test
    void aFaultWaitsForTheReaderOnPgLocked() throws Exception {
        FsFixture f = new FsFixture("x86_64");
        byte[] contents = FsFixture.pattern(f.pageSize, 8);
        Inode inode = f.fs.create("/slow", contents);
        Vma vma = FsFixture.map(inode.open(), inode.size(), f.shift);
        Mm mm = f.mm(f.cpu);
        Filemap fm = f.fs.filemap();
        // CPU 0 plays a reader whose I/O is in flight: the page is cached, locked, not uptodate.
        long pfn = f.pages.allocPages(f.cpu, inode.mapping().gfp(), 0);
        fm.pageLock().trylock(pfn);
        assertThat(fm.addToPageCacheLru(inode.mapping(), pfn, 0)).isZero();

        for (int flags : new int[] {FAULT_FLAG_USER, FAULT_FLAG_DEFAULT}) {
            AtomicReference<VmFault> result = new AtomicReference<>();
            AtomicReference<Integer> ret = new AtomicReference<>();
            AtomicReference<Boolean> held = new AtomicReference<>();
            Thread t = new Thread(() -> {
                Cpu cpu1 = f.m.mmu().cpu(1);
                mm.mmapLock().readLock();
                VmFault vmf = f.vmf(cpu1, mm, vma, 0, flags);
                ret.set(vma.file().vmOps().fault(vmf));
                held.set(mm.mmapLock().heldByCaller());
                if (held.get()) {
                    mm.mmapLock().readUnlock();
                }
                result.set(vmf);
            }, "cpu1");
            t.start();
            while (t.getState() != Thread.State.WAITING && t.isAlive()) {
                Thread.onSpinWait(); // until it sleeps on the page's wait queue
            }
            assertThat(t.isAlive()).as("blocked on PG_locked").isTrue();
            if (flags == FAULT_FLAG_DEFAULT) {
                assertThat(mm.mmapLock().isLocked()).as("it dropped the mmap lock before sleeping").isFalse();
            }
            if (flags == FAULT_FLAG_USER) {
                fm.readFolio(inode.mapping(), pfn, 0); // the read completes
            }
            fm.pageLock().unlock(pfn);
            t.join();
            if (flags == FAULT_FLAG_USER) {
                assertThat(ret.get()).isZero();
                assertThat(result.get().pfn).isEqualTo(pfn);
                assertThat(held.get()).isTrue();
                assertThat(f.pageBytes(pfn)).isEqualTo(contents);
                f.pages.putPage(f.cpu, pfn);
                fm.pageLock().trylock(pfn); // relock for the second round
            } else {
                assertThat(ret.get()).as("lock_folio_maybe_drop_mmap").isEqualTo(VM_FAULT_RETRY);
                assertThat(result.get().pfn).isEqualTo(-1);
                assertThat(held.get()).isFalse();
            }
        }
        assertThat(f.pages.pageRefCount(pfn)).isEqualTo(2);
        f.pages.putPage(f.cpu, pfn);
    }
}
