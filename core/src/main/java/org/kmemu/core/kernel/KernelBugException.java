package org.kmemu.core.kernel;

import java.util.List;
import org.kmemu.api.KernelOopsException;

/**
 * A {@code BUG()} or {@code VM_BUG_ON()} the emulated kernel hit in one of the core's services: the
 * caller did something the kernel treats as a kernel bug. The message is the report as the kernel
 * prints it (the lines are also in the machine's log). Catch {@link KernelOopsException} to see the
 * plugins' reports as well.
 */
public final class KernelBugException extends KernelOopsException {
    private static final long serialVersionUID = 1L;

    /** @param report the kernel's report, one line per element */
    public KernelBugException(List<String> report) {
        super(report);
    }
}
