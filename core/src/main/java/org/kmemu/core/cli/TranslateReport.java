package org.kmemu.core.cli;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.api.KernelMapping;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.PageFaultException;

/**
 * What {@code kmemu translate} prints: the walk of the kernel page tables for one address, level by
 * level (or, where the hardware would not walk because a pinned TLB entry translates the address, that
 * entry in the architecture's words), then what CPU 0's MMU makes of the access in the chosen mode: the
 * physical address, or the kernel's page-fault report when the walk or the permission checks fail.
 */
final class TranslateReport {
    private TranslateReport() {
    }

    static List<String> lines(Machine m, long vaddr, Access access, boolean user) {
        int digits = m.arch().virtAddressBits() > 32 ? 16 : 8;
        Cpu cpu = m.mmu().cpu(0);
        List<String> out = new ArrayList<>();
        out.add(String.format("%s: %s %s access in %s mode, kernel page tables at phys %#x (%d levels, %d-byte entries)",
                LayoutReport.hex(vaddr, digits), m.arch().id(), access.name().toLowerCase(java.util.Locale.ROOT),
                user ? "user" : "kernel", cpu.root(), m.mmu().format().levels(), m.mmu().format().entryBytes()));
        int pin = m.mmu().pinnedIndex(vaddr);
        if (pin >= 0) {
            // The CPU looks in its TLBs first and a pinned entry always hits: no miss, so no walk (e500's lowmem).
            KernelMapping e = m.mmu().pinnedTranslations().get(pin);
            out.add("  " + m.arch().describePinned(pin, e));
            out.add(String.format("  => pinned translation, offset %#x: phys %#x (the tables are not walked)", vaddr - e.virt(),
                    e.phys() + (vaddr - e.virt())));
        } else {
            out.addAll(m.mmu().walk(cpu.root(), vaddr).lines());
        }
        try {
            long phys = attempt(cpu, vaddr, access, user);
            out.add(String.format("MMU: %s -> phys %#x", LayoutReport.hex(vaddr, digits), phys));
        } catch (PageFaultException e) {
            out.addAll(e.report());
        }
        return out;
    }

    static boolean translates(Machine m, long vaddr, Access access, boolean user) {
        try {
            attempt(m.mmu().cpu(0), vaddr, access, user);
            return true;
        } catch (PageFaultException e) {
            return false;
        }
    }

    private static long attempt(Cpu cpu, long vaddr, Access access, boolean user) {
        boolean before = cpu.userMode();
        cpu.setUserMode(user);
        try {
            return cpu.translate(vaddr, access);
        } finally {
            cpu.setUserMode(before);
        }
    }
}
