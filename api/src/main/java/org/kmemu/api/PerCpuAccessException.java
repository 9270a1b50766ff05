package org.kmemu.api;

import java.util.List;

/**
 * A per-CPU structure was touched by a thread that is not its CPU's ({@link PerCpuOwnership}): a bug
 * in the code driving the emulated machine (or in kmemu), which the kernel would report as
 * "BUG: using smp_processor_id() in preemptible code". The message is kmemu's report, whose lines are
 * also in the machine's kernel log. It is a {@link KernelOopsException}, so that a caller that handles
 * the kernel's reports handles this one too.
 */
public final class PerCpuAccessException extends KernelOopsException {
    private static final long serialVersionUID = 1L;

    /** @param report the report, one line per element, as printed to the kernel log */
    public PerCpuAccessException(List<String> report) {
        super(report);
    }
}
