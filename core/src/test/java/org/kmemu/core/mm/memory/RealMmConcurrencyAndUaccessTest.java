package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * On real address spaces (mmap, the real fault handler, the scheduler's exit path): two CPU threads running
 * two tasks of one mm (CLONE_VM: the second task holds its own mm_users reference) fault the same pages at
 * once, then each task exits on its own CPU and every page comes back; uaccess under pagefault_disable and
 * inside kmap_atomic fails fast on pages not yet faulted in; access_ok refuses kernel addresses.
 */
class RealMmConcurrencyAndUaccessTest {
    private static final long U = 0x10000000L;
    private static final int PAGES = 256;

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void twoCpusFaultOneMmThenBothTasksExitAndEveryPageComesBack(String arch) throws Exception {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        assertThat(r.mmap(U, PAGES * r.page, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS
                | Mman.MAP_FIXED, null, 0)).isEqualTo(U);
        r.mm.mmget(); // copy_mm with CLONE_VM: the thread's own reference
        Task thread = r.m.scheduler().createUserTask("thread", r.mm);
        assertThat(r.mm.users()).isEqualTo(2);
        CyclicBarrier start = new CyclicBarrier(2);
        CyclicBarrier faulted = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            Cpu cpu = r.m.mmu().cpu(1);
            try {
                r.m.scheduler().contextSwitch(cpu, thread);
                await(start);
                cpu.setUserMode(true);
                try {
                    for (int i = PAGES - 1; i >= 0; i--) {
                        cpu.store32(U + i * r.page + 4, 0xb000 + i);
                    }
                } finally {
                    cpu.setUserMode(false);
                }
                await(faulted);
                r.m.scheduler().doExit(cpu, 0); // exit_mm: mmput drops the thread's reference only
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
                start.reset();
                faulted.reset();
            }
        }, "cpu1");
        other.start();
        await(start);
        r.user(() -> {
            for (int i = 0; i < PAGES; i++) {
                if (i % 3 == 0) {
                    r.cpu.load32(U + i * r.page);
                }
                r.cpu.store32(U + i * r.page, 0xa000 + i);
            }
        });
        await(faulted);
        other.join(TimeUnit.SECONDS.toMillis(60));
        if (failure.get() != null) {
            throw new AssertionError("CPU 1 failed", failure.get());
        }
        assertThat(thread.exited()).isTrue();
        assertThat(r.mm.users()).as("the thread's exit dropped only its own reference").isEqualTo(1);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < PAGES; i++) {
            long pfn = r.pfn(U + i * r.page);
            assertThat(seen.add(pfn)).as("page %d mapped once", i).isTrue();
            assertThat(r.refs(pfn)).isEqualTo(1);
            assertThat(r.mapcount(pfn)).isEqualTo(1);
            assertThat(r.load(U + i * r.page)).isEqualTo(0xa000 + i);
            assertThat(r.load(U + i * r.page + 4)).as("CPU 1's write survived its task's exit").isEqualTo(0xb000 + i);
        }
        assertThat(r.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(PAGES);
        r.exitCurrent();
        assertThat(r.freeDelta()).as("every page back after both tasks exited").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void underPagefaultDisableAndKmapAtomicUaccessFailsFastOnARealMm(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Uaccess u = r.m.kernel().uaccess();
        assertThat(r.mmap(U, 2 * r.page, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS
                | Mman.MAP_FIXED, null, 0)).isEqualTo(U);
        long kpfn = r.m.kernel().pages().allocPages(r.cpu, Gfp.GFP_KERNEL, 0);
        long kbuf = r.m.layout().va(kpfn << r.m.pageShift());
        r.m.memory().fill(kpfn << r.m.pageShift(), (byte) 0x5a, r.page);
        r.store(U, 1); // the first page is present, the second is not
        int logBefore = r.m.log().texts().size();
        long faultsBefore = r.task.minFlt() + r.task.majFlt();

        r.cpu.pagefaultDisable();
        try {
            assertThat(u.copyToUser(r.cpu, U + r.page - 8, kbuf, 16)).as("up to the page not faulted in").isEqualTo(8);
            long[] x = {7};
            assertThat(u.getUser(r.cpu, x, U + r.page, 4)).isEqualTo(-Errno.EFAULT);
            assertThat(x[0]).isZero();
        } finally {
            r.cpu.pagefaultEnable();
        }
        long highPfn = r.m.kernel().pages().allocPages(r.cpu, Gfp.GFP_HIGHUSER, 0);
        long kaddr = r.m.kernel().highmem().kmapAtomic(r.cpu, highPfn); // pagefault_disable inside
        try {
            r.m.memory().fill(highPfn << r.m.pageShift(), (byte) 0x77, r.page);
            assertThat(u.copyFromUser(r.cpu, kaddr, U + r.page - 4, 12)).as("bytes not copied").isEqualTo(8);
            assertThat(r.m.memory().readInt((highPfn << r.m.pageShift()) + 4)).as("the uncopied tail is zeroed").isZero();
        } finally {
            r.m.kernel().highmem().kunmapAtomic(r.cpu, kaddr);
        }
        assertThat(r.task.minFlt() + r.task.majFlt()).as("no fault was taken").isEqualTo(faultsBefore);
        assertThat(r.pfn(U + r.page)).as("nothing mapped").isEqualTo(-1);
        assertThat(r.m.log().texts().subList(logBefore, r.m.log().texts().size()))
                .noneMatch(l -> l.contains("sleeping function"));

        assertThat(u.copyToUser(r.cpu, U + r.page - 8, kbuf, 16)).as("page faults on: the fault handler maps").isZero();
        assertThat(r.task.minFlt()).isEqualTo(faultsBefore + 1);
        assertThat(r.load(U + r.page + 4)).isEqualTo(0x5a5a5a5a);
        r.m.kernel().pages().putPage(r.cpu, kpfn);
        r.m.kernel().pages().putPage(r.cpu, highPfn);
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void accessOkRefusesKernelAddressesAndNothingIsCopiedThere(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Uaccess u = r.m.kernel().uaccess();
        long taskSize = r.m.layout().taskSize();
        long kpfn = r.m.kernel().pages().allocPages(r.cpu, Gfp.GFP_KERNEL, 0);
        long kbuf = r.m.layout().va(kpfn << r.m.pageShift());
        r.m.memory().fill(kpfn << r.m.pageShift(), (byte) 0x11, r.page);
        long src = r.m.layout().va(r.m.kernel().pages().allocPages(r.cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0) << r.m.pageShift());

        assertThat(u.accessOk(taskSize - 8, 8)).isTrue();
        assertThat(u.accessOk(taskSize - 8, 9)).as("crosses TASK_SIZE").isFalse();
        assertThat(u.accessOk(kbuf, 8)).as("the direct map").isFalse();
        assertThat(u.accessOk(r.m.layout().pageOffset(), 1)).isFalse();
        assertThat(u.accessOk(-8L, 16)).as("wraps").isFalse();
        assertThat(u.copyToUser(r.cpu, kbuf, src, 8)).as("copy_to_user to a kernel address copies nothing").isEqualTo(8);
        assertThat(r.m.memory().readInt(kpfn << r.m.pageShift())).as("the kernel page is untouched").isEqualTo(0x11111111);
        assertThat(u.putUser(r.cpu, 0, kbuf, 4)).isEqualTo(-Errno.EFAULT);
        long[] x = {3};
        assertThat(u.getUser(r.cpu, x, kbuf, 4)).isEqualTo(-Errno.EFAULT);
        assertThat(x[0]).isZero();
        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        try {
            assertThat(r.um.gup().getUserPages(r.cpu, kbuf, 1, 0, out)).as("GUP of a kernel address").isEqualTo(-Errno.EFAULT);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
        r.m.kernel().pages().putPage(r.cpu, kpfn);
        r.m.kernel().pages().putPage(r.cpu, r.m.layout().pa(src) >>> r.m.pageShift());
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
