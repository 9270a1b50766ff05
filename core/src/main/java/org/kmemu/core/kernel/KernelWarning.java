package org.kmemu.core.kernel;

import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.core.mmu.Cpu;

/**
 * The report of the kernel's {@code WARN()} family (lib/bug.c, kernel/panic.c {@code __warn}): the
 * cut-here marker, a message where the WARN has one, and "WARNING: CPU: n PID: p at file function"
 * naming the CPU and its current task. The kernel carries on after it; so does the caller.
 */
public final class KernelWarning {
    private static final String CUT_HERE = "------------[ cut here ]------------";

    private KernelWarning() {
    }

    /**
     * {@code WARN_ON(cond)}: no message of its own; the lines after it are what kmemu (or the code around the
     * WARN, e.g. a pr_warn) adds.
     *
     * @param log      the kernel log
     * @param cpu      the CPU whose code warns
     * @param location "file function", e.g. "mm/vmalloc.c vmap_pages_pte_range"
     * @param after    lines printed after the WARNING line
     */
    public static void warnOn(KernelLog log, Cpu cpu, String location, String... after) {
        log.printk(cpu.id(), LogLevel.WARNING, CUT_HERE);
        log.printk(cpu.id(), LogLevel.WARNING, warningLine(cpu, location));
        for (String line : after) {
            log.printk(cpu.id(), LogLevel.WARNING, line);
        }
    }

    /**
     * {@code WARN(1, fmt)}: the formatted message comes before the WARNING line, as __warn_printk prints it.
     *
     * @param log      the kernel log
     * @param cpu      the CPU whose code warns
     * @param message  the WARN's message
     * @param location "file function"
     */
    public static void warnWithMessage(KernelLog log, Cpu cpu, String message, String location) {
        log.printk(cpu.id(), LogLevel.WARNING, CUT_HERE);
        log.printk(cpu.id(), LogLevel.WARNING, message);
        log.printk(cpu.id(), LogLevel.WARNING, warningLine(cpu, location));
    }

    private static String warningLine(Cpu cpu, String location) {
        return String.format("WARNING: CPU: %d PID: %d at %s", cpu.id(), cpu.current().pid(), location);
    }
}
