package com.example.kmemu.riscv;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.api.PageFault;

/**
 * What riscv64 Linux prints for a page fault it cannot handle, and the trap cause the CPU reports.
 *
 * <p>The report is die_kernel_fault() of arch/riscv/mm/fault.c: the "Unable to handle kernel %s at virtual
 * address %016lx" line, show_pte()'s walk, then die()'s "Oops [#1]" (arch/riscv/kernel/traps.c). The
 * message is chosen as no_context() and handle_page_fault() choose it: "access to user memory without
 * uaccess routines" for a kernel access to a user address with sstatus.SUM clear, "NULL pointer
 * dereference" below PAGE_SIZE, "paging request" otherwise. show_pte()'s first line ("Current %s pgtable:
 * ... pgdp=") names the task and its root, which a {@link PageFault} does not carry, so it is left out.
 *
 * <p>show_pte() with Sv39: the P4D and PUD are folded into the PGD, so Linux prints the PGD entry three
 * times (pgd=, p4d=, pud=); it stops after an entry that is empty, not present or a leaf.
 */
final class RiscvFaultReport {
    /** scause 12: instruction page fault (EXC_INST_PAGE_FAULT, arch/riscv/include/asm/csr.h). */
    static final int EXC_INST_PAGE_FAULT = 12;
    /** scause 13: load page fault (EXC_LOAD_PAGE_FAULT). */
    static final int EXC_LOAD_PAGE_FAULT = 13;
    /** scause 15: store/AMO page fault (EXC_STORE_PAGE_FAULT). */
    static final int EXC_STORE_PAGE_FAULT = 15;

    private RiscvFaultReport() {
    }

    /**
     * @param fault the fault
     * @return scause for it: the CPU reports the kind of access, not why it failed
     */
    static int cause(PageFault fault) {
        return fault.access() == Access.EXECUTE ? EXC_INST_PAGE_FAULT
                : fault.access() == Access.WRITE ? EXC_STORE_PAGE_FAULT : EXC_LOAD_PAGE_FAULT;
    }

    static List<String> lines(PageFault fault) {
        long addr = fault.address();
        String msg;
        if (fault.reason() != null && fault.reason().startsWith("SMAP")
                && Long.compareUnsigned(addr, Sv39Layout.TASK_SIZE) < 0) {
            msg = "access to user memory without uaccess routines";
        } else if (Long.compareUnsigned(addr, Sv39.PAGE_SIZE) < 0) {
            msg = "NULL pointer dereference";
        } else {
            msg = "paging request";
        }
        List<String> out = new ArrayList<>(3);
        out.add(String.format("Unable to handle kernel %s at virtual address %016x", msg, addr));
        out.add(showPte(fault));
        out.add("Oops [#1]");
        return out;
    }

    private static String showPte(PageFault fault) {
        long[] e = fault.entries();
        long pgd = fault.levelsRead() > 0 ? e[0] : 0;
        StringBuilder s = new StringBuilder(String.format("[%016x] pgd=%016x, p4d=%016x, pud=%016x", fault.address(), pgd, pgd, pgd));
        if (stops(pgd, Sv39Format.PGD)) {
            return s.toString();
        }
        long pmd = fault.levelsRead() > 1 ? e[1] : 0;
        s.append(String.format(", pmd=%016x", pmd));
        if (stops(pmd, Sv39Format.PMD)) {
            return s.toString();
        }
        long pte = fault.levelsRead() > 2 ? e[2] : 0;
        return s.append(String.format(", pte=%016x", pte)).toString();
    }

    /** pud_none() || pud_bad() || pud_leaf(), and the same for the PMD: nothing below to print. */
    private static boolean stops(long entry, int level) {
        return entry == 0 || (entry & Sv39Format.V) == 0 || (entry & Sv39Format.LEAF) != 0;
    }
}
