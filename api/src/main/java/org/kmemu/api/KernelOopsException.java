package org.kmemu.api;

import java.util.List;

/**
 * The emulated kernel stopped the calling task: a {@code BUG()}, a {@code BUG_ON()} or
 * {@code VM_BUG_ON()} that fired, or an oops. This is how misuse of a kernel API ends where the kernel
 * itself would not return to its caller; misuse the kernel survives is reported through the
 * {@link KernelLog} only, and the call returns as the kernel's returns.
 *
 * <p>The report is already in the kernel log when this is thrown (use {@link #report(KernelLog, List)},
 * which prints it); the exception carries the same lines so that a Java caller can show or check them.
 * The machine's state is as it was before the offending call: the kernel never completed it. Plugins
 * throw this type (they cannot see the core's subclasses); callers catch it.
 */
public class KernelOopsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The report, one line per element, as the kernel printed it. */
    private final List<String> report;

    /**
     * @param report the kernel's report, one line per element, at least one line
     * @throws IllegalArgumentException for an empty report
     */
    public KernelOopsException(List<String> report) {
        super(String.join("\n", report));
        if (report.isEmpty()) {
            throw new IllegalArgumentException("report: empty (expected: the kernel's lines)");
        }
        this.report = List.copyOf(report);
    }

    /** @return the kernel's report, one line per element */
    public List<String> report() {
        return report;
    }

    /**
     * Prints a report to the kernel log at KERN_EMERG, as the kernel's die() path does, and returns the
     * exception that carries it, for the caller to throw.
     *
     * @param log   the kernel log
     * @param lines the report, one line per element
     * @return the exception to throw
     */
    public static KernelOopsException report(KernelLog log, List<String> lines) {
        for (String line : lines) {
            log.printk(LogLevel.EMERG, line);
        }
        return new KernelOopsException(lines);
    }

    /**
     * The lines of a {@code BUG()}/{@code BUG_ON()} as kmemu prints them: lib/bug.c's cut-here marker and
     * "kernel BUG at" line (kmemu names the function where the kernel gives the line number, which
     * differs between versions), the reason, and x86's die() line.
     *
     * @param file     the kernel source file of the BUG_ON, e.g. "mm/slab.c"
     * @param function the function it is in
     * @param why      what the caller did, in one line
     * @return the report's lines
     */
    public static List<String> bugLines(String file, String function, String why) {
        return List.of("------------[ cut here ]------------", "kernel BUG at " + file + " (" + function + ")!", why,
                "Oops: invalid opcode: 0000 [#1] SMP");
    }
}
