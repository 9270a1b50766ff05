package org.kmemu.x86.common.mmu;

import java.util.List;
import org.kmemu.api.Access;

/**
 * The machine check kmemu raises when an x86 CPU's access reaches a physical address with no RAM and no
 * device behind it, in the words of arch/x86/kernel/cpu/mce/core.c ({@code __print_mce}, then
 * {@code mce_panic}), each line with its {@code "mce: [Hardware Error]: "} prefix (pr_fmt "mce: ", HW_ERR):
 * <pre>
 *   mce: [Hardware Error]: CPU 0: Machine Check Exception: 6 Bank 0: b60000000000081f
 *   mce: [Hardware Error]: TSC 0 ADDR fed10000
 *   mce: [Hardware Error]: Run the above through 'mcelog --ascii'
 *   Kernel panic - not syncing: Processor context corrupt
 * </pre>
 * MCG_STATUS is MCIP (bit 2, the " Exception" of the first line) | EIPV (bit 1): RIPV clear, so the
 * interrupted context cannot be restarted. The bank's status is VAL | UC | EN | ADDRV | PCC (bits 63, 61, 60,
 * 58, 57) with the compound MCA error code of a bus and interconnect error (Intel SDM vol. 3B, "Compound
 * Error Codes": {@code 0000 1PPT RRRR IILL}, request RRRR 0001 data read or 0010 data write, II and LL 11 =
 * generic). PCC makes the severity grader (arch/x86/kernel/cpu/mce/severity.c) pick PANIC with the message
 * "Processor context corrupt", which mce_panic() hands to panic().
 *
 * <p>Real PCs often answer such a read with all ones (a PCI master abort) instead; kmemu reports the
 * machine check so that the mistake is seen, as on machines that signal it.
 */
public final class X86MachineCheck {
    private static final long MCG_STATUS = 0x6; // MCIP | EIPV
    private static final long STATUS_BITS = 0xb600000000000000L; // VAL | UC | EN | ADDRV | PCC
    private static final int BUS_READ = 0x081f;
    private static final int BUS_WRITE = 0x082f;

    private X86MachineCheck() {
    }

    /**
     * @param paddr  the physical address
     * @param access the access
     * @param cpu    the CPU number
     * @return the report lines
     */
    public static List<String> report(long paddr, Access access, int cpu) {
        long status = STATUS_BITS | (access == Access.WRITE ? BUS_WRITE : BUS_READ);
        return List.of(
                String.format("mce: [Hardware Error]: CPU %d: Machine Check Exception: %x Bank 0: %016x", cpu, MCG_STATUS, status),
                String.format("mce: [Hardware Error]: TSC 0 ADDR %x", paddr),
                "mce: [Hardware Error]: Run the above through 'mcelog --ascii'",
                "Kernel panic - not syncing: Processor context corrupt");
    }
}
