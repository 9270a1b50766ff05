package org.kmemu.core.kernel;

import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code might_sleep()} and {@code might_fault()}: the debug check (CONFIG_DEBUG_ATOMIC_SLEEP) that a
 * function which may sleep is not called in atomic context. The report is kernel/sched/core.c's
 * {@code __might_resched()}: "BUG: sleeping function called from invalid context at FILE", then
 * in_atomic/irqs_disabled and the current task's pid and comm, and the preempt count. kmemu names the
 * file and function where the kernel prints file:line.
 *
 * <p>The kernel prints at most one report a second for the whole machine ({@code prev_jiffy + HZ}),
 * measured here on the calling CPU's clock. One instance per machine, shared by the services that may
 * sleep (kmap, the uaccess helpers, the page cache); thread-safe.
 */
public final class MightSleep {
    /** HZ jiffies: __might_resched reports at most once a second. */
    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final KernelLog log;
    /** When the last report was printed ({@code prev_jiffy}), in the reporting CPU's clock; -1: never. */
    private long lastNanos = -1;

    /** @param log the machine's kernel log */
    public MightSleep(KernelLog log) {
        this.log = log;
    }

    /**
     * {@code might_sleep()}: the report if the CPU is in atomic context (a preempt count or interrupts off).
     *
     * @param cpu   the calling CPU
     * @param where the kernel source file and function the check stands for, e.g. "mm/highmem.c kmap"
     */
    public void mightSleep(Cpu cpu, String where) {
        if (!cpu.inAtomicContext()) {
            return;
        }
        long now = cpu.clockNanos();
        synchronized (this) {
            if (lastNanos >= 0 && now - lastNanos < INTERVAL_NANOS) {
                return;
            }
            lastNanos = now;
        }
        int c = cpu.id();
        log.printk(c, LogLevel.ERR, "BUG: sleeping function called from invalid context at " + where);
        log.printk(c, LogLevel.ERR, String.format("in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s",
                cpu.preemptCount() > 0 ? 1 : 0, cpu.irqsDisabled() ? 1 : 0, cpu.current().pid(), cpu.current().comm()));
        log.printk(c, LogLevel.ERR, "preempt_count: " + Integer.toHexString(cpu.preemptCount()) + ", expected: 0");
    }

    /**
     * {@code might_fault()} (mm/memory.c {@code __might_fault}): silent under {@code pagefault_disable()},
     * where a fault fails instead of sleeping; otherwise {@link #mightSleep}.
     *
     * @param cpu   the calling CPU
     * @param where the kernel source file and function of the check
     */
    public void mightFault(Cpu cpu, String where) {
        if (cpu.pagefaultDisabled() == 0) {
            mightSleep(cpu, where);
        }
    }
}
