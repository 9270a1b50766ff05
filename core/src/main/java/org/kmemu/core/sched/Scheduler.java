package org.kmemu.core.sched;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.core.kernel.KernelBugException;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.CpuOwners;

/**
 * The machine's tasks and each CPU's {@code current}: the idle tasks, task creation with pids from
 * {@link PidMap}, the context switch and exit.
 *
 * <h2>Boot</h2>
 * As in kernel/sched/core.c {@code sched_init}/{@code init_idle}: every CPU gets an idle task, pid 0,
 * named {@code swapper/N}, with no mm and {@code init_mm} as its active mm, and runs it. Then
 * {@code rest_init} (init/main.c) makes pid 1, {@code kernel_init}, which stays {@code swapper/0} until it
 * execs the init program (exec is the user-memory work's: {@link #setTaskComm} is its rename), and
 * pid 2, {@code kthreadd}. Nothing runs them: kmemu has no run queue; whoever drives a CPU switches it
 * to a task with {@link #contextSwitch}.
 *
 * <h2>Context switch</h2>
 * kernel/sched/core.c {@code context_switch}: a task with an mm gets it loaded ({@code switch_mm}:
 * {@link Cpu#switchMm}, which does what the arch does: a CR3 write and a flush of non-global entries on
 * x86, a PID load and no flush on e500; the same mm loads nothing); a kernel thread borrows the
 * previous task's active mm ("lazy TLB") and the CPU keeps its root and TLB. A task runs on one CPU at a
 * time: the switch claims it atomically and refuses a task another CPU runs.
 *
 * <h2>Threads</h2>
 * A CPU's {@code current} is changed only by the thread running as that CPU (checked, with
 * {@link PerCpuOwnership#CHECKS}, as {@code context_switch() on CPU n's runqueue}). The task table is
 * locked; reading a CPU's current from another thread sees a recent value, as
 * {@code cpu_curr(cpu)} does.
 */
public final class Scheduler {
    private final Cpu[] cpus;
    private final CpuOwners owners;
    private final KernelLog log;
    private final MmStruct initMm;
    private final PidMap pids;
    private final Task[] idle;
    private final Map<Integer, Task> tasks = new TreeMap<>();
    private volatile TaskMmOps mmOps;

    /**
     * Gives every CPU its idle task and makes it current ({@code init_idle}).
     *
     * @param cpus   the machine's CPUs, by number
     * @param owners which thread runs as each CPU
     * @param log    where panics are printed
     * @param initMm the kernel's mm ({@code init_mm})
     * @param pids   the pid space
     */
    public Scheduler(Cpu[] cpus, CpuOwners owners, KernelLog log, MmStruct initMm, PidMap pids) {
        this.cpus = cpus.clone();
        this.owners = owners;
        this.log = log;
        this.initMm = initMm;
        this.pids = pids;
        this.idle = new Task[cpus.length];
        for (int i = 0; i < cpus.length; i++) {
            Task t = new Task(0, "swapper/" + i, null, Task.PF_IDLE | Task.PF_KTHREAD);
            t.setActiveMm(initMm);
            boolean claimed = t.claim(i);
            assert claimed;
            idle[i] = t;
            this.cpus[i].setCurrent(t);
        }
    }

    /**
     * {@code rest_init}: pid 1 ({@code kernel_init}, named {@code swapper/0} until it execs) and pid 2
     * ({@code kthreadd}). Boot calls it once, before any other task is made.
     */
    public void restInit() {
        if (!tasks.isEmpty()) {
            throw new IllegalStateException("rest_init: " + tasks.size() + " tasks exist (expected: none, it runs once at boot)");
        }
        Task init = newTask(idle[0].comm(), null, 0);
        Task kthreadd = newTask("kthreadd", null, Task.PF_KTHREAD);
        assert init.pid() == 1 && kthreadd.pid() == 2 : init + " " + kthreadd;
    }

    /**
     * Installs the user-memory layer's fork and exit hooks (boot or a test wires it once).
     *
     * @param ops dup_mm and mmput
     */
    public void setMmOps(TaskMmOps ops) {
        this.mmOps = ops;
    }

    /**
     * {@code kernel_clone} / {@code copy_process} (kernel/fork.c) for the CPU's current task, without
     * CLONE_VM: the child gets a pid, the parent's name and flags, and a copy of the parent's mm
     * ({@link TaskMmOps#dupMm}); a kernel thread's child has no mm. The child is not running.
     *
     * @param cpu the forking CPU, on its own thread
     * @return the child, or null for -ENOMEM (no mm copy) or -EAGAIN (no pid)
     * @throws IllegalStateException for the idle task, or a user task before {@link #setMmOps}
     */
    public Task fork(Cpu cpu) {
        Task parent = cpu.current();
        if (parent.isIdle()) {
            throw new IllegalStateException("fork: " + parent + " is an idle task (expected: a task made by rest_init or fork)");
        }
        MmStruct childMm = null;
        if (parent.mm() != null) {
            TaskMmOps ops = mmOps;
            if (ops == null) {
                throw new IllegalStateException("fork: no mm operations installed (expected: setMmOps at boot)");
            }
            childMm = ops.dupMm(cpu, parent.mm());
            if (childMm == null) {
                return null;
            }
        }
        Task child = newTask(parent.comm(), childMm, parent.flags() & Task.PF_KTHREAD);
        if (child == null && childMm != null) {
            mmOps.mmput(cpu, childMm); // copy_process's bad_fork_cleanup_mm
        }
        return child;
    }

    /** @return the kernel's mm ({@code init_mm}) */
    public MmStruct initMm() {
        return initMm;
    }

    /** @return the pid space */
    public PidMap pids() {
        return pids;
    }

    /** @param cpu a CPU number @return its idle task ({@code idle_task(cpu)}) */
    public Task idleTask(int cpu) {
        return idle[cpu];
    }

    /**
     * {@code kthread_create}: a kernel thread (PF_KTHREAD, no mm), not yet running.
     *
     * @param name its name; what does not fit in TASK_COMM_LEN - 1 characters is cut
     * @return the task, or null when no pid is free (the kernel's {@code ERR_PTR(-EAGAIN)})
     */
    public Task kthreadCreate(String name) {
        return newTask(name, null, Task.PF_KTHREAD);
    }

    /**
     * The part of {@code copy_process} the scheduler owns, for a user task: a pid, a name and an mm
     * that the caller built ({@code fork}'s copy of the parent's mm is the user-memory work's).
     *
     * @param name its name, cut to TASK_COMM_LEN - 1 characters
     * @param mm   its address space
     * @return the task, not yet running, or null when no pid is free ({@code -EAGAIN})
     */
    public Task createUserTask(String name, MmStruct mm) {
        if (mm == null) {
            throw new IllegalArgumentException("createUserTask: mm null (expected: an address space; kernel threads come from kthreadCreate)");
        }
        return newTask(name, mm, 0);
    }

    private Task newTask(String name, MmStruct mm, int flags) {
        String comm = Task.truncateComm(name);
        synchronized (tasks) {
            int pid = pids.alloc();
            if (pid < 0) {
                return null;
            }
            Task t = new Task(pid, comm, mm, flags);
            tasks.put(pid, t);
            return t;
        }
    }

    /** {@code set_task_comm}. @param task a task @param name its new name, cut to 15 characters */
    public void setTaskComm(Task task, String name) {
        task.setComm(name);
    }

    /**
     * @param pid a pid
     * @return the live task with that pid ({@code find_task_by_vpid}), or null; pid 0 is not looked up
     *         (it is one idle task per CPU)
     */
    public Task findTaskByVpid(int pid) {
        synchronized (tasks) {
            return tasks.get(pid);
        }
    }

    /** @return the live tasks other than the idle tasks, by pid */
    public List<Task> tasks() {
        synchronized (tasks) {
            return new ArrayList<>(tasks.values());
        }
    }

    /**
     * {@code context_switch}: the CPU stops running its current task and runs {@code next}.
     * Called on the CPU's own thread.
     *
     * @param cpu  the CPU
     * @param next the task to run: not exited, not running elsewhere, and never another CPU's idle task
     * @return the task that ran before ({@code prev})
     * @throws IllegalStateException if {@code next} cannot run on this CPU
     */
    public Task contextSwitch(Cpu cpu, Task next) {
        int id = cpu.id();
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "context_switch", "runqueue");
        }
        Task prev = cpu.current();
        if (next == prev) {
            return prev;
        }
        if (next.exited()) {
            throw new IllegalStateException("context_switch: " + next + " has exited (expected: a live task)");
        }
        if (next.isIdle() && next != idle[id]) {
            throw new IllegalStateException("context_switch: " + next + " is another CPU's idle task (expected: "
                    + idle[id] + " on CPU " + id + ")");
        }
        if (!next.claim(id)) {
            throw new IllegalStateException("context_switch: " + next + " already runs on CPU " + next.onCpu()
                    + " (expected: a task that no CPU runs; a task runs on one CPU at a time)");
        }
        MmStruct oldMm = prev.activeMm();
        if (next.mm() == null) {
            // Lazy TLB: a kernel thread runs on whatever address space the CPU has loaded.
            next.setActiveMm(oldMm);
        } else {
            cpu.switchMm(next.mm().context());
        }
        if (prev.mm() == null && !prev.isIdle()) {
            prev.setActiveMm(null);
        }
        cpu.setCurrent(next);
        prev.release(id);
        return prev;
    }

    /**
     * Drops a lazily borrowed mm: when the CPU runs a kernel thread or its idle task on another task's mm
     * (lazy TLB), it switches to {@code init_mm}, as x86's {@code leave_mm} does before that mm's tables
     * may be freed. A CPU running a user task, or already on {@code init_mm}, is left alone.
     *
     * @param cpu the CPU, on its own thread
     * @return whether the CPU switched
     */
    public boolean leaveMm(Cpu cpu) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(cpu.id(), "leave_mm", "runqueue");
        }
        Task t = cpu.current();
        if (t.mm() != null || t.activeMm() == initMm) {
            return false;
        }
        t.setActiveMm(initMm);
        cpu.switchMm(initMm.context());
        return true;
    }

    /**
     * {@code do_exit} for the CPU's current task: it is marked exiting, its pid is freed, and the CPU
     * switches to its idle task. A user task's mm is then released ({@code exit_mm}): the CPU goes back to
     * init_mm and {@link TaskMmOps#mmput} drops the task's use of it (the last use frees it). Without
     * mm operations installed the idle task keeps borrowing the exiting task's mm (lazy TLB), and whoever
     * frees that mm's page tables must first move such CPUs to {@code init_mm}, as x86's {@code leave_mm}
     * does; other CPUs lazily on the mm are {@link TaskMmOps#mmput}'s to move. An idle task or pid 1 exiting is the kernel's panic.
     *
     * @param cpu  the CPU whose current task exits, on its own thread
     * @param code the exit code
     * @throws KernelBugException with the kernel's panic text for the idle task or init
     */
    public void doExit(Cpu cpu, int code) {
        Task t = cpu.current();
        if (t.isIdle()) {
            throw panic("Attempted to kill the idle task!");
        }
        if (t.pid() == 1) {
            // kernel/exit.c find_child_reaper / do_exit: init may not die.
            throw panic(String.format("Attempted to kill init! exitcode=0x%08x", code));
        }
        t.setExitCode(code);
        // PF_EXITING first, so that no CPU can switch to the task once this one has let it go.
        t.addFlags(Task.PF_EXITING);
        contextSwitch(cpu, idle[cpu.id()]);
        MmStruct mm = t.mm();
        if (mm != null && mmOps != null) {
            // exit_mm: the idle task stops borrowing the dead mm (leave_mm: back to init_mm), then mmput.
            idle[cpu.id()].setActiveMm(initMm);
            if (cpu.root() == mm.pgdPhys()) {
                cpu.switchMm(initMm.context());
            }
            mmOps.mmput(cpu, mm);
        }
        synchronized (tasks) {
            tasks.remove(t.pid());
            pids.free(t.pid());
        }
    }

    private KernelBugException panic(String why) {
        // kernel/panic.c: "Kernel panic - not syncing: %s"
        String line = "Kernel panic - not syncing: " + why;
        log.printk(org.kmemu.api.LogLevel.EMERG, line);
        return new KernelBugException(List.of(line));
    }
}
