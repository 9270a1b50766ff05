package org.kmemu.api;

/**
 * The emulated kernel's log: printk. Lines go to the machine's ring buffer (what {@code dmesg}
 * shows) and to SLF4J.
 *
 * <p>Plugins report kernel-visible events here in the kernel's own words: an allocation failure
 * ("swapper/0: page allocation failure: order:10, mode:0xcc0(GFP_KERNEL), nodemask=(null)"), a bad
 * page ("BUG: Bad page state in process swapper/0  pfn:1f2a0"). Each call is one line, without the
 * trailing newline. Never call it on a hot path that succeeds; failures and boot are fine.
 *
 * <p>Thread-safe.
 *
 * <p><b>Who calls it.</b> Plugins, from any CPU's thread. The host implements it; kmemu-tck's
 * {@code RecordingLog} records lines for contract tests. It does not throw.
 *
 * @since 1.0
 */
@HostProvided
public interface KernelLog {

    /**
     * @param level the printk level
     * @param line  one line of text, without a trailing newline
     */
    void printk(LogLevel level, String line);

    /** @param line one KERN_INFO line */
    default void info(String line) {
        printk(LogLevel.INFO, line);
    }

    /** @param line one KERN_WARNING line */
    default void warn(String line) {
        printk(LogLevel.WARNING, line);
    }

    /** @param line one KERN_ERR line */
    default void err(String line) {
        printk(LogLevel.ERR, line);
    }

    /**
     * @return the name of the task the current CPU runs, as the kernel prints it in reports
     *         ({@code "swapper/0"} during boot). Which CPU is current: the one the calling thread runs
     *         as, when the machine can tell; pass the CPU ({@link #currentComm(int)}) where you have it.
     */
    String currentComm();

    /**
     * printk on a known CPU: the line is stamped with that CPU's clock. Prefer it to
     * {@link #printk(LogLevel, String)} wherever the caller has the CPU (allocator calls do).
     * The default ignores the CPU.
     *
     * @param cpu   the CPU printing
     * @param level the printk level
     * @param line  one line of text, without a trailing newline
     */
    default void printk(int cpu, LogLevel level, String line) {
        printk(level, line);
    }

    /**
     * @param cpu a CPU number
     * @return the name of the task that CPU runs ({@code current->comm} there); the default ignores the CPU
     */
    default String currentComm(int cpu) {
        return currentComm();
    }

    /**
     * @param cpu a CPU number
     * @return the pid of the task that CPU runs, as reports print it ({@code "CPU: 1 PID: 42"}); the
     *         default answers 0, the idle task's
     */
    default int currentPid(int cpu) {
        return 0;
    }
}
