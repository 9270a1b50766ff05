package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;
import org.kmemu.api.PageFault;

/** die_kernel_fault() and show_pte() of arch/riscv/mm/fault.c, and the scause codes. */
class RiscvFaultReportTest {
    private final Sv39Format f = new Sv39Format();

    @Test
    void aVmallocHoleStopsAtTheEmptyPmd() {
        long pgd = (0x81000L << 10) | 1;
        PageFault fault = new PageFault(0xffffffc600001000L, Access.WRITE, false, false, "not present", 2, new long[] {pgd, 0, 0}, f);
        assertThat(RiscvFaultReport.lines(fault)).containsExactly(
                "Unable to handle kernel paging request at virtual address ffffffc600001000",
                "[ffffffc600001000] pgd=0000000020400001, p4d=0000000020400001, pud=0000000020400001, pmd=0000000000000000",
                "Oops [#1]");
    }

    @Test
    void aWalkThatReachesThePteShowsAllLevels() {
        long pgd = (0x81000L << 10) | 1;
        long pmd = (0x81001L << 10) | 1;
        long pte = (0x80300L << 10) | 0x43; // V R A: read-only
        PageFault fault = new PageFault(0xffffffc600000000L, Access.WRITE, false, true, "write to a read-only page", 3,
                new long[] {pgd, pmd, pte}, f);
        assertThat(RiscvFaultReport.lines(fault).get(1)).endsWith(", pmd=0000000020400401, pte=00000000200c0043");
    }

    @Test
    void aLeafAboveThePteEndsTheDump() {
        long giga = (0xc0000L << 10) | 0xe3;
        PageFault fault = new PageFault(0xffffffd640000000L, Access.EXECUTE, false, true, "instruction fetch from a no-execute page",
                1, new long[] {giga, 0, 0}, f);
        assertThat(RiscvFaultReport.lines(fault).get(1)).isEqualTo(
                "[ffffffd640000000] pgd=00000000300000e3, p4d=00000000300000e3, pud=00000000300000e3");
    }

    @Test
    void nullAndUserAccessesHaveTheirOwnMessages() {
        PageFault nul = new PageFault(0x10, Access.READ, false, false, "not present", 1, new long[3], f);
        assertThat(RiscvFaultReport.lines(nul).get(0)).isEqualTo(
                "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000010");
        PageFault sum = new PageFault(0x10000, Access.READ, false, true, "SMAP: kernel access to a user page outside a uaccess window",
                3, new long[3], f);
        assertThat(RiscvFaultReport.lines(sum).get(0)).isEqualTo(
                "Unable to handle kernel access to user memory without uaccess routines at virtual address 0000000000010000");
    }

    @Test
    void scauseNamesTheAccess() {
        assertThat(RiscvFaultReport.cause(new PageFault(0, Access.EXECUTE, true, false, "", 1, new long[3], f))).isEqualTo(12);
        assertThat(RiscvFaultReport.cause(new PageFault(0, Access.READ, true, false, "", 1, new long[3], f))).isEqualTo(13);
        assertThat(RiscvFaultReport.cause(new PageFault(0, Access.WRITE, true, true, "", 1, new long[3], f))).isEqualTo(15);
    }
}
