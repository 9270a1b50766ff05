package org.kmemu.core.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PerCpuAccessException;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.core.kernel.KernelBugException;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

class SchedulerTest {
    private final Machine m = TestMachines.x86_64(1L << 30);
    private final Scheduler sched = m.scheduler();
    private final Cpu cpu0 = m.mmu().cpu(0);
    private final Cpu cpu1 = m.mmu().cpu(1);

    @Test
    void eachCpuRunsItsIdleTaskAfterBootAndRestInitMadeInitAndKthreadd() {
        for (int c = 0; c < m.cpus(); c++) {
            Task idle = m.mmu().cpu(c).current();
            assertThat(idle).isSameAs(sched.idleTask(c));
            assertThat(idle.pid()).isZero();
            assertThat(idle.comm()).isEqualTo("swapper/" + c);
            assertThat(idle.isIdle()).isTrue();
            assertThat(idle.mm()).isNull();
            assertThat(idle.activeMm()).isSameAs(sched.initMm());
            assertThat(idle.onCpu()).isEqualTo(c);
        }
        assertThat(sched.initMm().pgdPhys()).isEqualTo(cpu0.root());
        Task init = sched.findTaskByVpid(1);
        assertThat(init.comm()).isEqualTo("swapper/0"); // kernel_init until it execs
        assertThat(init.isKthread()).isFalse();
        assertThat(sched.findTaskByVpid(2).comm()).isEqualTo("kthreadd");
        assertThat(sched.findTaskByVpid(2).isKthread()).isTrue();
        assertThat(sched.tasks()).extracting(Task::pid).containsExactly(1, 2);
        assertThat(sched.kthreadCreate("kworker/0:1").pid()).isEqualTo(3);
    }

    @Test
    void contextSwitchMakesTheTaskCurrentAndAKernelThreadBorrowsTheMm() {
        Task k = sched.kthreadCreate("kswapd0");
        long root = cpu0.root();
        Task prev = sched.contextSwitch(cpu0, k);
        assertThat(prev).isSameAs(sched.idleTask(0));
        assertThat(cpu0.current()).isSameAs(k);
        assertThat(k.onCpu()).isZero();
        assertThat(prev.onCpu()).isEqualTo(Task.NOT_RUNNING);
        assertThat(k.activeMm()).isSameAs(sched.initMm());
        assertThat(cpu0.root()).isEqualTo(root);
        assertThat(sched.contextSwitch(cpu0, sched.idleTask(0))).isSameAs(k);
        assertThat(cpu0.current().pid()).isZero();
    }

    @Test
    void switchingToAUserTaskLoadsItsMmAndTheNextKernelThreadRunsOnIt() {
        // An mm whose top-level table is a copy of the kernel's (the kernel half shared, as pgd_alloc does).
        long pgd = m.kernel().pages().allocPages(cpu0, Gfp.GFP_KERNEL, 0) << 12;
        m.memory().copy(pgd, cpu0.root(), 4096);
        org.kmemu.core.mmu.MmuContext context = m.mmu().newContext(pgd);
        MmStruct mm = new MmStruct() {
            @Override
            public long pgdPhys() {
                return pgd;
            }

            @Override
            public org.kmemu.core.mmu.MmuContext context() {
                return context;
            }
        };
        Task user = sched.createUserTask("cat", mm);
        Task k = sched.kthreadCreate("kworker/0:2");
        long kernelAddr = m.layout().va(16L << 20);
        cpu0.load64(kernelAddr);

        sched.contextSwitch(cpu0, user);
        assertThat(cpu0.root()).isEqualTo(pgd);
        assertThat(user.activeMm()).isSameAs(mm);
        assertThat(cpu0.load64(kernelAddr)).isEqualTo(m.memory().readLong(16L << 20));

        sched.contextSwitch(cpu0, k);
        assertThat(cpu0.root()).isEqualTo(pgd);     // lazy TLB: no switch_mm for a kernel thread
        assertThat(k.activeMm()).isSameAs(mm);
        sched.contextSwitch(cpu0, user);            // same mm: nothing to load
        assertThat(cpu0.root()).isEqualTo(pgd);
        assertThatThrownBy(() -> sched.createUserTask("x", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTaskRunsOnOneCpuAtATimeAndIdleTasksStayOnTheirCpu() {
        Task k = sched.kthreadCreate("migration/0");
        sched.contextSwitch(cpu0, k);
        assertThatThrownBy(() -> sched.contextSwitch(cpu1, k)).isInstanceOf(IllegalStateException.class)
                .hasMessage("context_switch: migration/0/3 already runs on CPU 0 (expected: a task that no CPU runs;"
                        + " a task runs on one CPU at a time)");
        assertThat(cpu1.current()).isSameAs(sched.idleTask(1));
        assertThatThrownBy(() -> sched.contextSwitch(cpu0, sched.idleTask(1)))
                .hasMessage("context_switch: swapper/1/0 is another CPU's idle task (expected: swapper/0/0 on CPU 0)");
        sched.contextSwitch(cpu0, sched.idleTask(0));
        sched.contextSwitch(cpu1, k);
        assertThat(k.onCpu()).isEqualTo(1);
    }

    @Test
    void exitFreesThePidAndTheCpuGoesBackToIdle() {
        Task k = sched.kthreadCreate("oneshot");
        sched.contextSwitch(cpu1, k);
        sched.doExit(cpu1, 0);
        assertThat(cpu1.current()).isSameAs(sched.idleTask(1));
        assertThat(k.exited()).isTrue();
        assertThat(k.onCpu()).isEqualTo(Task.NOT_RUNNING);
        assertThat(sched.findTaskByVpid(k.pid())).isNull();
        assertThat(sched.pids().inUse(k.pid())).isFalse();
        assertThatThrownBy(() -> sched.contextSwitch(cpu1, k)).hasMessage("context_switch: oneshot/3 has exited (expected: a live task)");
        assertThat(sched.kthreadCreate("next").pid()).isEqualTo(4);
    }

    @Test
    void theIdleTaskAndInitMayNotExit() {
        assertThatThrownBy(() -> sched.doExit(cpu0, 0)).isInstanceOf(KernelBugException.class)
                .hasMessage("Kernel panic - not syncing: Attempted to kill the idle task!");
        sched.contextSwitch(cpu0, sched.findTaskByVpid(1));
        assertThatThrownBy(() -> sched.doExit(cpu0, 9 << 8)).isInstanceOf(KernelBugException.class)
                .hasMessage("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000900");
        assertThat(m.log().texts()).contains("Kernel panic - not syncing: Attempted to kill the idle task!");
    }

    @Test
    void twoCpuThreadsRacingForOneTaskNeverBothRunIt() throws Exception {
        Task shared = sched.kthreadCreate("kworker/u4:0");
        int rounds = 300;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.CyclicBarrier end = new java.util.concurrent.CyclicBarrier(2);
        int[][] won = new int[2][rounds];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[2];
        for (int c = 0; c < 2; c++) {
            int id = c;
            Cpu cpu = m.mmu().cpu(id);
            threads[c] = new Thread(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        start.await();
                        try {
                            sched.contextSwitch(cpu, shared);
                            won[id][r] = 1;
                            assertThat(shared.onCpu()).isEqualTo(id);
                        } catch (IllegalStateException lost) {
                            assertThat(cpu.current()).isSameAs(sched.idleTask(id));
                        }
                        end.await();   // both have tried; the winner gives the task back
                        if (won[id][r] == 1) {
                            sched.contextSwitch(cpu, sched.idleTask(id));
                        }
                        end.await();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                    start.reset();
                    end.reset();
                }
            }, "race-cpu" + c);
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        for (int r = 0; r < rounds; r++) {
            assertThat(won[0][r] + won[1][r]).as("round %d", r).isEqualTo(1);
        }
        assertThat(shared.onCpu()).isEqualTo(Task.NOT_RUNNING);
    }

    @Test
    void onlyTheCpusOwnThreadSwitchesIt() throws Exception {
        if (!PerCpuOwnership.CHECKS) {
            return; // the debug tier is on in every build's tests (the parent pom); off, nothing is checked
        }
        Task k = sched.kthreadCreate("kworker/1:0");
        CountDownLatch switched = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread owner = new Thread(() -> {
            try {
                sched.contextSwitch(cpu1, k);
            } catch (Throwable t) {
                failure.set(t);
            }
            switched.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cpu1-owner");
        owner.start();
        switched.await();
        try {
            assertThat(failure.get()).isNull();
            assertThatThrownBy(() -> sched.contextSwitch(cpu1, sched.idleTask(1))).isInstanceOf(PerCpuAccessException.class)
                    .hasMessageContaining("BUG: using context_switch() on CPU 1's runqueue from a thread that is not CPU 1's");
            assertThat(cpu1.current()).isSameAs(k);
        } finally {
            done.countDown();
            owner.join();
        }
    }
}
