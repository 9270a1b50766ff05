package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.CpuOwners;
import org.kmemu.core.sched.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine's printk ring buffer: what {@code dmesg} shows. Every line also goes to SLF4J under the
 * logger {@code kmemu.kernel}: KERN_ERR and worse at ERROR, KERN_WARNING at WARN, so that an application
 * embedding kmemu sees in its own log the kernel's reports of its misuse (a BUG, a double free, a
 * WARNING); KERN_NOTICE, KERN_INFO and KERN_DEBUG at DEBUG, so that the boot log (dozens of INFO lines per
 * machine) does not flood that log at the usual INFO threshold. The whole log is {@link #lines()}.
 *
 * <h2>Time stamps and the current task</h2>
 * printk stamps a line with {@code local_clock()}, the clock of the CPU that prints it, and reports
 * name {@code current}: the task that CPU runs. Until boot {@link #attach attaches} the CPUs, lines
 * are stamped 0 and the task is the boot task, {@code swapper/0}. Afterwards a caller that knows its
 * CPU says so ({@link #printk(int, LogLevel, String)}); for one that does not (a plugin's report), the
 * CPU is the one the calling thread runs as, which {@link CpuOwners} knows when the per-CPU checks are
 * on; otherwise it is CPU 0, the boot CPU. The clocks are emulated, never the host's, so that a run's
 * log is the same byte for byte each time. Thread-safe.
 */
public final class KernelLogBuffer implements KernelLog {
    private static final Logger LOG = LoggerFactory.getLogger("kmemu.kernel");

    /** The buffer's capacity in lines; older lines drop out first, as in the kernel's log_buf. */
    static final int CAPACITY = 1 << 16;

    /** The boot task's name (init_task is "swapper", renamed "swapper/0" by init_idle). */
    private static final String BOOT_COMM = "swapper/0";

    private final List<Line> lines = new ArrayList<>();
    private volatile Cpu[] cpus;
    private volatile CpuOwners owners;

    /**
     * One logged line.
     *
     * @param nanos emulated time since boot
     * @param level printk level
     * @param text  the message
     */
    public record Line(long nanos, LogLevel level, String text) {
        /** @return the line as dmesg prints it: {@code [    0.000000] text} (kernel/printk/printk.c print_time) */
        public String format() {
            return String.format("[%5d.%06d] %s", nanos / 1_000_000_000L, nanos / 1000 % 1_000_000, text);
        }
    }

    /**
     * Boot hands the log the CPUs once they run their idle tasks: from then on lines carry the printing
     * CPU's clock and reports its current task.
     *
     * @param cpus   the CPUs, by number
     * @param owners which thread runs as each CPU
     */
    public void attach(Cpu[] cpus, CpuOwners owners) {
        this.owners = owners;
        this.cpus = cpus.clone();
    }

    @Override
    public void printk(LogLevel level, String line) {
        Cpu cpu = callingCpu();
        append(cpu == null ? 0 : cpu.clockNanos(), level, line);
    }

    @Override
    public void printk(int cpu, LogLevel level, String line) {
        Cpu[] all = cpus;
        append(all == null ? 0 : all[cpu].clockNanos(), level, line);
    }

    private synchronized void append(long nanos, LogLevel level, String line) {
        if (lines.size() == CAPACITY) {
            lines.remove(0);
        }
        lines.add(new Line(nanos, level, line));
        switch (level) {
            case EMERG, ALERT, CRIT, ERR -> LOG.error("{}", line);
            case WARNING -> LOG.warn("{}", line);
            default -> LOG.debug("{}", line);
        }
    }

    /** The CPU the calling thread runs as: the lowest-numbered one it owns, else the boot CPU; null during boot. */
    private Cpu callingCpu() {
        Cpu[] all = cpus;
        if (all == null) {
            return null;
        }
        Thread me = Thread.currentThread();
        for (int i = 0; i < all.length; i++) {
            if (owners.owner(i) == me) {
                return all[i];
            }
        }
        return all[0];
    }

    @Override
    public String currentComm() {
        Cpu cpu = callingCpu();
        return cpu == null ? BOOT_COMM : cpu.current().comm();
    }

    @Override
    public String currentComm(int cpu) {
        Cpu[] all = cpus;
        return all == null ? BOOT_COMM : all[cpu].current().comm();
    }

    @Override
    public int currentPid(int cpu) {
        Cpu[] all = cpus;
        Task t = all == null ? null : all[cpu].current();
        return t == null ? 0 : t.pid();
    }

    /** @return a copy of the buffer, oldest first */
    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    /** @return the buffer's texts only, oldest first */
    public synchronized List<String> texts() {
        List<String> out = new ArrayList<>(lines.size());
        for (Line l : lines) {
            out.add(l.text());
        }
        return out;
    }
}
