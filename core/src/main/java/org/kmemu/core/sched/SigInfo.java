package org.kmemu.core.sched;

/**
 * The part of a {@code kernel_siginfo} a fault fills in ({@code force_sig_fault(sig, code, addr)},
 * kernel/signal.c): the signal, its {@code si_code} and {@code si_addr}. The numbers are the generic ones
 * (include/uapi/asm-generic/signal.h, siginfo.h), which x86 and powerpc share.
 *
 * @param signo the signal number ({@link #SIGSEGV}, {@link #SIGBUS}, {@link #SIGKILL})
 * @param code  {@code si_code} ({@link #SEGV_MAPERR}, {@link #SEGV_ACCERR}, {@link #BUS_ADRERR}, {@link #SI_KERNEL})
 * @param addr  {@code si_addr}: the faulting address (0 for SIGKILL)
 */
public record SigInfo(int signo, int code, long addr) {
    /** SIGBUS: bus error (a mapping that cannot supply the page). */
    public static final int SIGBUS = 7;
    /** SIGKILL: sent by the OOM killer. */
    public static final int SIGKILL = 9;
    /** SIGSEGV: invalid memory reference. */
    public static final int SIGSEGV = 11;
    /** SEGV_MAPERR: address not mapped to an object. */
    public static final int SEGV_MAPERR = 1;
    /** SEGV_ACCERR: invalid permissions for a mapped object. */
    public static final int SEGV_ACCERR = 2;
    /** BUS_ADRERR: non-existent physical address (what the fault path sends for VM_FAULT_SIGBUS). */
    public static final int BUS_ADRERR = 2;
    /** SI_KERNEL: sent by the kernel (0x80). */
    public static final int SI_KERNEL = 0x80;

    @Override
    public String toString() {
        String name = switch (signo) {
            case SIGBUS -> "SIGBUS";
            case SIGKILL -> "SIGKILL";
            case SIGSEGV -> "SIGSEGV";
            default -> "signal " + signo;
        };
        String c = switch (signo) {
            case SIGSEGV -> code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : String.valueOf(code);
            case SIGBUS -> code == BUS_ADRERR ? "BUS_ADRERR" : String.valueOf(code);
            default -> code == SI_KERNEL ? "SI_KERNEL" : String.valueOf(code);
        };
        return String.format("%s (%s) at %#x", name, c, addr);
    }
}
