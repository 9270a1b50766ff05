package org.kmemu.core.mmu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import org.kmemu.api.KernelLog;
import org.kmemu.api.PerCpuAccessException;
import org.kmemu.api.PerCpuOwnership;

/**
 * Which thread runs as each CPU: the core's {@link PerCpuOwnership}, the debug check that a CPU's
 * per-CPU structures are used only by that CPU's thread. The rule is on {@link PerCpuOwnership}:
 * nothing is owned or checked while the machine boots; afterwards the first thread to touch a CPU owns
 * it until it ends or {@link #release releases} it; another live thread touching it is a bug.
 *
 * <h2>Report</h2>
 * kmemu's words for what lib/smp_processor_id.c prints as
 * {@code "BUG: using %s%s() in preemptible [%08x] code: %s/%d"} followed by {@code "caller is %pS"};
 * the task is the offending thread's name and id:
 * <pre>
 * BUG: using rmqueue_pcplist() on CPU 0's per_cpu_pages from a thread that is not CPU 0's: stress-cpu1/31
 * CPU 0 belongs to stress-cpu0/30, which is still running
 * </pre>
 * printed to the kernel log at KERN_ERR and thrown as a {@link PerCpuAccessException}.
 *
 * <h2>Memory ordering</h2>
 * Owners are written with volatile compare-and-set. The owner's own check is a plain read: only the
 * owner writes itself into its slot, and nobody else changes the slot while it is alive, so a plain
 * read that sees the current thread is never stale. Taking over from an ended owner follows a
 * {@link Thread#isAlive()} that returned false, which orders everything the ended thread did before
 * what the new owner does (JLS 17.4.4); a released slot is read back with a volatile read.
 */
public final class CpuOwners implements PerCpuOwnership {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Thread[].class);

    private final Thread[] owners;
    private final KernelLog log;
    /** The kernel's system_state >= SYSTEM_SCHEDULING: boot is over, ownership counts. */
    private volatile boolean scheduling;

    /**
     * @param nrCpus how many CPUs
     * @param log    where reports go
     */
    public CpuOwners(int nrCpus, KernelLog log) {
        this.owners = new Thread[nrCpus];
        this.log = log;
    }

    /**
     * Boot is over (the kernel's {@code system_state = SYSTEM_SCHEDULING} in rest_init): from now on
     * the first thread to touch a CPU owns it. Boot itself ran on one thread and owns nothing.
     */
    public void startScheduling() {
        scheduling = true;
    }

    /** @return whether boot is over and ownership is checked */
    public boolean scheduling() {
        return scheduling;
    }

    /** @return how many CPUs */
    public int nrCpus() {
        return owners.length;
    }

    /**
     * @param cpu a CPU number
     * @return the thread that owns it now, or null (the owner may have ended)
     */
    public Thread owner(int cpu) {
        return (Thread) SLOT.getVolatile(owners, cpu);
    }

    @Override
    public void check(int cpu, String function, String structure) {
        Thread me = Thread.currentThread();
        if (owners[cpu] == me) {
            return;
        }
        claim(cpu, me, function, structure);
    }

    private void claim(int cpu, Thread me, String function, String structure) {
        if (!scheduling) {
            return;
        }
        while (true) {
            Thread owner = (Thread) SLOT.getVolatile(owners, cpu);
            if (owner == me) {
                return;
            }
            if (owner != null && owner.isAlive()) {
                throw violation(cpu, me, owner, function, structure);
            }
            if (SLOT.compareAndSet(owners, cpu, owner, me)) {
                return;
            }
        }
    }

    @Override
    public void checkQuiescent(int cpu, String function, String structure) {
        if (!scheduling) {
            return;
        }
        Thread me = Thread.currentThread();
        Thread owner = (Thread) SLOT.getVolatile(owners, cpu);
        if (owner != null && owner != me && owner.isAlive()) {
            throw violation(cpu, me, owner, function, structure);
        }
    }

    /**
     * Gives a CPU up, so that another live thread may run as it: a thread that stops acting as the CPU
     * (a pool thread going back to its pool, a test handing a CPU on) calls this. Releasing a CPU nobody
     * owns does nothing.
     *
     * @param cpu a CPU the calling thread owns
     * @throws PerCpuAccessException if another live thread owns it
     */
    public void release(int cpu) {
        Thread me = Thread.currentThread();
        Thread owner = (Thread) SLOT.getVolatile(owners, cpu);
        if (owner == me) {
            SLOT.setVolatile(owners, cpu, null);
        } else if (owner != null && owner.isAlive()) {
            throw violation(cpu, me, owner, "release", "ownership");
        }
    }

    /** Gives up every CPU the calling thread owns. */
    public void releaseAll() {
        Thread me = Thread.currentThread();
        for (int cpu = 0; cpu < owners.length; cpu++) {
            SLOT.compareAndSet(owners, cpu, me, null);
        }
    }

    /** @return where the CPUs' own reports go (the machine's kernel log) */
    KernelLog log() {
        return log;
    }

    private PerCpuAccessException violation(int cpu, Thread me, Thread owner, String function, String structure) {
        List<String> report = List.of(
                String.format("BUG: using %s() on CPU %d's %s from a thread that is not CPU %d's: %s", function, cpu,
                        structure, cpu, task(me)),
                String.format("CPU %d belongs to %s, which is still running", cpu, task(owner)));
        for (String line : report) {
            log.err(line);
        }
        return new PerCpuAccessException(report);
    }

    /** The kernel's {@code comm/pid}: the thread's name and id. */
    @SuppressWarnings("deprecation") // Thread.getId: threadId() is Java 19+
    private static String task(Thread t) {
        return t.getName() + "/" + t.getId();
    }
}
