package org.kmemu.x86.common.mmu;

import java.util.List;
import org.kmemu.api.Access;

/**
 * The machine check kmemu raises when an x86 CPU's access reaches a physical address with no RAM and no
 * device behind it, in the words of arch/x86/kernel/cpu/mce/core.c: {@code print_mce} (its
 * {@code __print_mce} lines and the mcelog hint, each with the {@code "mce: [Hardware Error]: "} prefix of
 * pr_fmt "mce: " and HW_ERR), then {@code mce_panic}'s {@code "Machine check: <severity message>"} line and
 * the panic with the message {@code mce_reign} gives it:
 * <pre>
 *   mce: [Hardware Error]: CPU 0: Machine Check Exception: 4 Bank 0: b60000000000081f
 *   mce: [Hardware Error]: TSC 0 ADDR fed10000
 *   mce: [Hardware Error]: PROCESSOR 0:506e3 TIME 0 SOCKET 0 APIC 0 microcode 0
 *   mce: [Hardware Error]: Run the above through 'mcelog --ascii'
 *   mce: [Hardware Error]: Machine check: Processor context corrupt
 *   Kernel panic - not syncing: Fatal machine check
 * </pre>
 * MCG_STATUS is MCIP (bit 2, the " Exception" of the first line) alone: neither RIPV nor EIPV, so the
 * interrupted context cannot be restarted and no instruction pointer is recorded ({@code mce_gather_info}
 * takes the IP only when one of them is set; with none, {@code __print_mce} prints no RIP line). The
 * bank's status is VAL | UC | EN | ADDRV | PCC (bits 63, 61, 60, 58, 57) with the compound MCA error code of
 * a bus and interconnect error (Intel SDM vol. 3B, "Compound Error Codes": {@code 0000 1PPT RRRR IILL},
 * request RRRR 0001 data read or 0010 data write, II and LL 11 = generic). PCC makes the severity grader
 * (arch/x86/kernel/cpu/mce/severity.c) pick PANIC with the message "Processor context corrupt". The TSC
 * line keeps the blank that {@code pr_cont("ADDR %llx ")} leaves at its end. PROCESSOR names vendor 0
 * (X86_VENDOR_INTEL), the CPU's CPUID signature, the wall time (kmemu's machines boot at 0), socket 0, the
 * CPU's APIC id (its number) and microcode 0 (none loaded).
 *
 * <p>Real PCs often answer such a read with all ones (a PCI master abort) instead; kmemu reports the
 * machine check so that the mistake is seen, as on machines that signal it.
 */
public final class X86MachineCheck {
    private static final long MCG_STATUS = 0x4; // MCIP
    private static final long STATUS_BITS = 0xb600000000000000L; // VAL | UC | EN | ADDRV | PCC
    private static final int BUS_READ = 0x081f;
    private static final int BUS_WRITE = 0x082f;

    private X86MachineCheck() {
    }

    /**
     * @param paddr  the physical address
     * @param access the access
     * @param cpu    the CPU number
     * @param cpuid  the CPU's CPUID signature (leaf 1 EAX: family, model and stepping), as PROCESSOR prints it
     * @return the report lines
     */
    public static List<String> report(long paddr, Access access, int cpu, int cpuid) {
        long status = STATUS_BITS | (access == Access.WRITE ? BUS_WRITE : BUS_READ);
        return List.of(
                String.format("mce: [Hardware Error]: CPU %d: Machine Check Exception: %x Bank 0: %016x", cpu, MCG_STATUS, status),
                String.format("mce: [Hardware Error]: TSC 0 ADDR %x ", paddr),
                String.format("mce: [Hardware Error]: PROCESSOR 0:%x TIME 0 SOCKET 0 APIC %x microcode 0", cpuid, cpu),
                "mce: [Hardware Error]: Run the above through 'mcelog --ascii'",
                "mce: [Hardware Error]: Machine check: Processor context corrupt",
                "Kernel panic - not syncing: Fatal machine check");
    }
}
