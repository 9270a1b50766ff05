package org.kmemu.core.mmu;

import java.util.List;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PageFault;

/**
 * A page fault the kernel has no handler for: its oops. The message is the architecture's report,
 * line by line, as the kernel prints it (x86: "BUG: unable to handle page fault for address: ...",
 * "#PF: supervisor write access in kernel mode", ...).
 */
public final class PageFaultException extends KernelOopsException {
    private static final long serialVersionUID = 1L;

    private final transient PageFault fault;

    PageFaultException(PageFault fault, List<String> report) {
        super(report);
        this.fault = fault;
    }

    /** @return what faulted, and the walk that found it */
    public PageFault fault() {
        return fault;
    }
}
