package org.kmemu.core.mmu;

import org.kmemu.api.Access;
import org.kmemu.core.sched.SigInfo;

/**
 * A user-mode access that the kernel's page-fault handler answered with a signal
 * ({@link FaultResult#SIGNAL}): on a real machine the faulting instruction does not complete and the task
 * takes SIGSEGV, SIGBUS or SIGKILL on its way back to user mode. The emulated task has no user code to
 * return to, so the access fails with this exception, which carries what {@code force_sig_fault()} queued;
 * the task keeps it as its pending signal too. It is not a kernel error: no oops is printed, the CPU's
 * state is restored and the machine goes on. No stack trace is filled in.
 */
public final class UserFaultSignal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;
    private final transient Access access;
    private final transient SigInfo signal;

    UserFaultSignal(long address, Access access, SigInfo signal) {
        super(null, null, false, false);
        this.address = address;
        this.access = access;
        this.signal = signal;
    }

    /** @return the address that faulted */
    public long address() {
        return address;
    }

    /** @return the access that faulted */
    public Access access() {
        return access;
    }

    /** @return the signal the handler sent (signal number, si_code, si_addr), or null if it recorded none */
    public SigInfo signal() {
        return signal;
    }

    @Override
    public String getMessage() {
        return String.format("user %s at %#x: %s", access.name().toLowerCase(java.util.Locale.ROOT), address,
                signal == null ? "signal" : signal);
    }
}
