package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.UserMmFixture.RW;
import static org.kmemu.core.mm.memory.UserMmFixture.U;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * Two CPU threads, each running a task of the same mm, faulting the same pages at once: no page is lost,
 * none is mapped twice, every write lands, and a CPU never keeps a translation another CPU replaced.
 */
class ConcurrentFaultTest {
    private static final int PAGES = 512;

    /** Runs body as CPU 1 on its own thread, switched to a second task of f's mm; returns the thread. */
    private static Thread cpu1(UserMmFixture f, AtomicReference<Throwable> failure, java.util.function.Consumer<Cpu> body) {
        Thread t = new Thread(() -> {
            Cpu cpu = f.m.mmu().cpu(1);
            try {
                Task sibling = f.m.scheduler().createUserTask("user-b", f.mm);
                f.m.scheduler().contextSwitch(cpu, sibling);
                cpu.setUserMode(true);
                try {
                    body.accept(cpu);
                } finally {
                    cpu.setUserMode(false);
                }
                f.m.scheduler().contextSwitch(cpu, f.m.scheduler().idleTask(1));
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "cpu1");
        t.start();
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void twoCpusFaultingOneMmLoseNoPageAndMapNoneTwice(String arch) throws Exception {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, PAGES * f.page, RW);
        long free = f.m.nrFreePages();
        long tables = f.mm.pageTablePages();
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = cpu1(f, failure, cpu -> {
            await(start);
            for (int i = PAGES - 1; i >= 0; i--) {
                long a = U + i * f.page;
                if (i % 2 == 0) {
                    cpu.load32(a + 4); // the zero page first, then a COW of it
                }
                cpu.store32(a + 4, 0xb000 + i);
            }
        });
        f.user(() -> {
            await(start);
            for (int i = 0; i < PAGES; i++) {
                long a = U + i * f.page;
                if (i % 3 == 0) {
                    f.cpu.load32(a);
                }
                f.cpu.store32(a, 0xa000 + i);
            }
        });
        other.join();
        if (failure.get() != null) {
            throw new AssertionError("CPU 1 failed", failure.get());
        }
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < PAGES; i++) {
            long a = U + i * f.page;
            long pfn = f.pfn(a);
            assertThat(seen.add(pfn)).as("page %d mapped once", i).isTrue();
            assertThat(pfn).isNotEqualTo(f.um.zeroPfn());
            assertThat(f.m.kernel().pages().pageMapcount(pfn)).isEqualTo(1);
            assertThat(f.m.kernel().pages().pageRefCount(pfn)).isEqualTo(1);
            assertThat(f.phys32(pfn, 0)).as("CPU 0's write to page %d", i).isEqualTo(0xa000 + i);
            assertThat(f.phys32(pfn, 4)).as("CPU 1's write to page %d", i).isEqualTo(0xb000 + i);
        }
        assertThat(f.mm.rss(Mm.MM_ANONPAGES)).isEqualTo(PAGES);
        assertThat(free - f.m.nrFreePages()).as("no page leaked by a lost race")
                .isEqualTo(PAGES + f.mm.pageTablePages() - tables);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aCpuThatCachedTheZeroPageSeesTheCopyAnotherCpuMade(String arch) throws Exception {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, 4 * f.page, RW);
        CyclicBarrier step = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] seen = new int[2];
        Thread other = cpu1(f, failure, cpu -> {
            seen[0] = cpu.load32(U + 8); // the zero page, now in CPU 1's TLB
            await(step);
            await(step); // CPU 0 writes
            seen[1] = cpu.load32(U + 8);
        });
        await(step);
        f.store(U + 8, 0x5a5a);
        await(step);
        other.join();
        if (failure.get() != null) {
            throw new AssertionError("CPU 1 failed", failure.get());
        }
        assertThat(seen[0]).isZero();
        assertThat(seen[1]).as("the shootdown dropped CPU 1's stale translation").isEqualTo(0x5a5a);
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
