package org.kmemu.core.machine;

import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelOopsException;
import org.kmemu.core.mm.BusErrors;
import org.kmemu.core.mmu.CpuOwners;

/**
 * A bus error on a booted machine: an access to a physical address with no RAM and no device behind it.
 * The architecture words the report ({@link ArchSpec#busErrorReport}: x86's machine check, BookE's machine
 * check with a bus-error cause); it goes to the kernel log at KERN_EMERG and stops the caller as the
 * kernel's die()/panic() would, as a {@link KernelOopsException}.
 */
final class MachineCheck implements BusErrors {
    private final ArchSpec arch;
    private final KernelLogBuffer log;
    private final CpuOwners owners;

    MachineCheck(ArchSpec arch, KernelLogBuffer log, CpuOwners owners) {
        this.arch = arch;
        this.log = log;
        this.owners = owners;
    }

    @Override
    public RuntimeException busError(long paddr, int size, Access access) {
        List<String> lines = arch.busErrorReport(paddr, size, access, currentCpu());
        return KernelOopsException.report(log, lines);
    }

    /** The CPU the calling thread runs as; 0 during boot, when no thread owns one yet. */
    private int currentCpu() {
        Thread me = Thread.currentThread();
        for (int i = 0; i < owners.nrCpus(); i++) {
            if (owners.owner(i) == me) {
                return i;
            }
        }
        return 0;
    }
}
