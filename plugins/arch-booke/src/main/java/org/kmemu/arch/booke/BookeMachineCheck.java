package org.kmemu.arch.booke;

import java.util.List;
import org.kmemu.api.Access;

/**
 * The machine check an e500 core takes when a load or store reaches a physical address no local access
 * window routes anywhere (no RAM, no device): a bus error, reported by arch/powerpc/kernel/traps.c's
 * {@code machine_check_e500()} and then {@code die("Machine check", regs, SIGBUS)} because it is not
 * recoverable:
 * <pre>
 *   Machine check in kernel mode.
 *   Caused by (from MCSR=10): Bus - Read Data Bus Error
 *   Oops: Machine check, sig: 7 [#1]
 *   BE PAGE_SIZE=4K SMP NR_CPUS=4 QEMU e500
 * </pre>
 * MCSR bits from arch/powerpc/include/asm/reg_booke.h: MCSR_BUS_RBERR (0x00000010) for a read,
 * MCSR_BUS_WBERR (0x00000008) for a write. SIGBUS is 7. The die counter is the machine's first oops.
 */
final class BookeMachineCheck {
    static final long MCSR_BUS_RBERR = 0x10;
    static final long MCSR_BUS_WBERR = 0x08;

    private final String dieBanner;

    /**
     * @param dieBanner __die()'s second line, as {@link BookeFaultReport} prints it
     */
    BookeMachineCheck(String dieBanner) {
        this.dieBanner = dieBanner;
    }

    List<String> report(long paddr, Access access) {
        boolean write = access == Access.WRITE;
        return List.of(
                "Machine check in kernel mode.",
                String.format("Caused by (from MCSR=%x): %s", write ? MCSR_BUS_WBERR : MCSR_BUS_RBERR,
                        write ? "Bus - Write Data Bus Error" : "Bus - Read Data Bus Error"),
                "Oops: Machine check, sig: 7 [#1]",
                dieBanner);
    }
}
