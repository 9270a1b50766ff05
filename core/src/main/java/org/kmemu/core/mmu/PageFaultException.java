package org.kmemu.core.mmu;

import java.util.List;
import org.kmemu.api.PageFault;

/**
 * A page fault the kernel has no handler for: its oops. The message is the architecture's report,
 * line by line, as the kernel prints it (x86: "BUG: unable to handle page fault for address: ...",
 * "#PF: supervisor write access in kernel mode", ...).
 */
public final class PageFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient PageFault fault;
    private final List<String> report;

    PageFaultException(PageFault fault, List<String> report) {
        super(String.join("\n", report));
        this.fault = fault;
        this.report = List.copyOf(report);
    }

    /** @return what faulted, and the walk that found it */
    public PageFault fault() {
        return fault;
    }

    /** @return the kernel's report, one line per element */
    public List<String> report() {
        return report;
    }
}
