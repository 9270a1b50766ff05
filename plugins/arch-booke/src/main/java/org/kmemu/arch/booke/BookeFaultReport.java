package org.kmemu.arch.booke;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.api.PageFault;

/**
 * The words ppc32 prints for a page fault it cannot handle, from arch/powerpc/mm/fault.c and
 * arch/powerpc/kernel/traps.c.
 *
 * <p><b>Kernel mode</b> (do_page_fault found no fix-up, bad_page_fault → __bad_page_fault):
 * <pre>
 *   BUG: Kernel NULL pointer dereference on read at 0x00000000       dar &lt; PAGE_SIZE, data storage interrupt
 *   BUG: Unable to handle kernel data access on write at 0xf1000000  other data faults
 *   BUG: Unable to handle kernel instruction fetch[ (NULL pointer?)] instruction storage; the suffix if nip &lt; PAGE_SIZE
 *   Faulting instruction address: 0x%08lx                            regs-&gt;nip
 *   Oops: Kernel access of bad area, sig: 11 [#1]                    die() → __die()
 *   BE PAGE_SIZE=4K SMP NR_CPUS=4 QEMU e500                          __die(): endianness, page size, MMU string
 *                                                                    (empty off Book3S), SMP and NR_CPUS, ppc_md.name
 * </pre>
 * A data or instruction TLB miss that finds no usable PTE branches to the DataStorage/InstructionStorage
 * handler (head_85xx.S), so TRAP is INTERRUPT_DATA_STORAGE or INTERRUPT_INST_STORAGE and the "on read/write"
 * form applies; is_write comes from ESR[DST] (page_fault_is_write on BookE). The faulting instruction of a data
 * access is not known to a {@link PageFault}, so that line is printed for instruction fetches only (nip is the
 * fetched address there). The die counter is the first oops of the machine, "[#1]".
 *
 * <p><b>User mode</b>: __bad_area → _exception → show_signal_msg() (arch/powerpc/kernel/traps.c), printed when
 * debug.exception-trace (show_unhandled_signals) is on and the signal is not handled:
 * {@code "%s[%d]: %s (%d) at %lx nip %lx lr %lx code %x"} with signame(SIGSEGV) = "segfault" and code
 * SEGV_MAPERR (1) for a missing mapping or SEGV_ACCERR (2) for bad_access. comm, pid and lr are not part of a
 * {@link PageFault}; they are printed as "?".
 */
final class BookeFaultReport {
    private static final long PAGE_SIZE = BookeLayout.PAGE_SIZE;
    private static final int SIGSEGV = 11;
    private static final int SEGV_MAPERR = 1;
    private static final int SEGV_ACCERR = 2;
    /** ESR[ST]: the faulting access was a store. */
    static final int ESR_ST = 0x00800000;

    private final String dieBanner;

    /** @return __die()'s banner line, which the machine check report ends with too */
    String dieBanner() {
        return dieBanner;
    }

    /**
     * @param nrCpus  NR_CPUS; above 1 the kernel is CONFIG_SMP
     * @param machine ppc_md.name
     */
    BookeFaultReport(int nrCpus, String machine) {
        this.dieBanner = "BE PAGE_SIZE=4K" + (nrCpus > 1 ? " SMP NR_CPUS=" + nrCpus : "") + " " + machine;
    }

    /**
     * The ESR as do_page_fault reads it ({@code regs->esr}, BookE's {@code error_code}): the data TLB error and
     * data storage interrupts set ESR[ST] for a store (arch/powerpc/include/asm/reg_booke.h: ESR_ST = ESR_DST =
     * 0x00800000; fault.c's page_fault_is_write() tests it); a load or an instruction fetch leaves no bit kmemu
     * models. User mode is MSR[PR] in the saved registers, not an ESR bit.
     *
     * @param f the fault
     * @return the ESR
     */
    static int esr(PageFault f) {
        return f.access() == Access.WRITE ? ESR_ST : 0;
    }

    List<String> report(PageFault f) {
        long addr = f.address() & 0xffffffffL;
        List<String> out = new ArrayList<>(4);
        if (f.userMode()) {
            String nip = f.access() == Access.EXECUTE ? Long.toHexString(addr) : "?";
            out.add(String.format("?[?]: segfault (%d) at %x nip %s lr ? code %d", SIGSEGV, addr, nip,
                    f.protection() ? SEGV_ACCERR : SEGV_MAPERR));
            return out;
        }
        if (f.access() == Access.EXECUTE) {
            out.add("BUG: Unable to handle kernel instruction fetch" + (addr < PAGE_SIZE ? " (NULL pointer?)" : ""));
            out.add(String.format("Faulting instruction address: 0x%08x", addr));
        } else {
            String msg = addr < PAGE_SIZE ? "Kernel NULL pointer dereference" : "Unable to handle kernel data access";
            out.add(String.format("BUG: %s on %s at 0x%08x", msg, f.access() == Access.WRITE ? "write" : "read", addr));
        }
        out.add("Oops: Kernel access of bad area, sig: " + SIGSEGV + " [#1]");
        out.add(dieBanner);
        return out;
    }
}
