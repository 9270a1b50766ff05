package org.kmemu.core.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One task ({@code struct task_struct}) as memory management sees it: its pid, its name ({@code comm}),
 * its mm (null for kernel threads), the mm it runs on ({@code active_mm}), its PF_* flags, and the CPU
 * it is running on.
 *
 * <h2>Invariants</h2>
 * A task runs on at most one CPU at a time: {@link Scheduler#contextSwitch} claims it with a
 * compare-and-set of {@code onCpu} from {@link #NOT_RUNNING} to the CPU's number, so two CPUs switching
 * to the same task cannot both win. The comm is at most {@link #TASK_COMM_LEN} - 1 characters.
 * pid 0 is each CPU's idle task; every other pid names one live task.
 */
public final class Task {
    /** Bytes of {@code comm}, with its terminating NUL (include/linux/sched.h). */
    public static final int TASK_COMM_LEN = 16;
    /** {@code PF_IDLE} (include/linux/sched.h): the CPU's idle task. */
    public static final int PF_IDLE = 0x00000002;
    /** {@code PF_EXITING} (include/linux/sched.h): in do_exit. */
    public static final int PF_EXITING = 0x00000004;
    /** {@code PF_KTHREAD} (include/linux/sched.h): a kernel thread, which has no mm of its own. */
    public static final int PF_KTHREAD = 0x00200000;
    /** {@link #onCpu()} of a task that no CPU runs. */
    public static final int NOT_RUNNING = -1;

    private static final VarHandle ON_CPU;

    static {
        try {
            ON_CPU = MethodHandles.lookup().findVarHandle(Task.class, "onCpu", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int pid;
    private volatile String comm;
    private final MmStruct mm;
    private volatile int flags;
    /** Written by the CPU that runs the task, at context switch only. */
    private volatile MmStruct activeMm;
    @SuppressWarnings("unused") // through ON_CPU
    private volatile int onCpu = NOT_RUNNING;
    private volatile int exitCode;
    /** Faults counted by mm_account_fault, written by the CPU running the task only. */
    private volatile long minFlt;
    private volatile long majFlt;
    private volatile SigInfo pendingSignal;

    Task(int pid, String comm, MmStruct mm, int flags) {
        this.pid = pid;
        this.comm = truncateComm(comm);
        this.mm = mm;
        this.flags = flags;
        this.activeMm = mm;
    }

    /**
     * The kernel copies a task's name into {@code char comm[TASK_COMM_LEN]} and cuts what does not fit
     * ({@code __set_task_comm}, fs/exec.c; kthread_create keeps the full name elsewhere, kernel/kthread.c).
     *
     * @param name a task name
     * @return its first {@link #TASK_COMM_LEN} - 1 characters
     */
    static String truncateComm(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("comm: \"" + name + "\" (expected: a task name)");
        }
        return name.length() < TASK_COMM_LEN ? name : name.substring(0, TASK_COMM_LEN - 1);
    }

    /** @return the task's pid ({@code task_pid_nr}); 0 for the idle tasks */
    public int pid() {
        return pid;
    }

    /** @return the task's name as reports print it ({@code current->comm}), at most 15 characters */
    public String comm() {
        return comm;
    }

    /** {@code set_task_comm}: exec names the task after its program. @param name the new name, cut to 15 characters */
    void setComm(String name) {
        comm = truncateComm(name);
    }

    /** @return the task's own address space, or null for a kernel thread */
    public MmStruct mm() {
        return mm;
    }

    /** @return the address space the task runs on: its mm, or for a kernel thread the one it borrowed */
    public MmStruct activeMm() {
        return activeMm;
    }

    void setActiveMm(MmStruct mm) {
        activeMm = mm;
    }

    /** @return the task's PF_* flags */
    public int flags() {
        return flags;
    }

    void addFlags(int f) {
        flags |= f;
    }

    /** @return whether this is a kernel thread ({@code PF_KTHREAD}) */
    public boolean isKthread() {
        return (flags & PF_KTHREAD) != 0;
    }

    /** @return whether this is a CPU's idle task ({@code is_idle_task}) */
    public boolean isIdle() {
        return (flags & PF_IDLE) != 0;
    }

    /** @return whether the task has exited */
    public boolean exited() {
        return (flags & PF_EXITING) != 0;
    }

    /** @return the code the task exited with (meaningful once {@link #exited()}) */
    public int exitCode() {
        return exitCode;
    }

    void setExitCode(int code) {
        exitCode = code;
    }

    /** @return {@code current->min_flt}: faults resolved without I/O */
    public long minFlt() {
        return minFlt;
    }

    /** @return {@code current->maj_flt}: faults that needed I/O (VM_FAULT_MAJOR, or a retried fault) */
    public long majFlt() {
        return majFlt;
    }

    /**
     * Counts a completed fault ({@code mm_account_fault}, mm/memory.c). Called by the CPU running the task.
     *
     * @param major whether it was a major fault
     */
    public void countFault(boolean major) {
        // Only the CPU that runs the task writes these, so a plain read-modify-write is the kernel's too.
        if (major) {
            majFlt = majFlt + 1;
        } else {
            minFlt = minFlt + 1;
        }
    }

    /**
     * {@code force_sig_fault()}: queues a signal for the task. kmemu keeps the last one: tasks run no
     * signal handlers, so what matters is what was sent.
     *
     * @param info the signal
     */
    public void forceSig(SigInfo info) {
        pendingSignal = info;
    }

    /** @return the last signal sent to the task and not yet taken, or null */
    public SigInfo pendingSignal() {
        return pendingSignal;
    }

    /** @return the pending signal, which is cleared (the task "took" it), or null */
    public SigInfo takePendingSignal() {
        SigInfo s = pendingSignal;
        pendingSignal = null;
        return s;
    }

    /** @return the CPU running the task ({@code task_cpu} while {@code on_cpu}), or {@link #NOT_RUNNING} */
    public int onCpu() {
        return (int) ON_CPU.getVolatile(this);
    }

    /** Claims the task for a CPU. @return false if another CPU runs it */
    boolean claim(int cpu) {
        return ON_CPU.compareAndSet(this, NOT_RUNNING, cpu);
    }

    /** The CPU that ran the task switched away from it. */
    void release(int cpu) {
        boolean released = ON_CPU.compareAndSet(this, cpu, NOT_RUNNING);
        assert released : comm + "/" + pid + " was not running on CPU " + cpu;
    }

    /** @return {@code comm/pid}, as the kernel prints a task */
    @Override
    public String toString() {
        return comm + "/" + pid;
    }
}
