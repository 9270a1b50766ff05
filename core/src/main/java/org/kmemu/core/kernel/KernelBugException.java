package org.kmemu.core.kernel;

import java.util.List;

/**
 * A {@code BUG()} or {@code VM_BUG_ON()} the emulated kernel hit: the caller did something the kernel
 * treats as a kernel bug. The message is the report as the kernel prints it (the lines are also in the
 * machine's log).
 */
public final class KernelBugException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> report;

    /** @param report the kernel's report, one line per element */
    public KernelBugException(List<String> report) {
        super(String.join("\n", report));
        this.report = List.copyOf(report);
    }

    /** @return the report, one line per element */
    public List<String> report() {
        return report;
    }
}
