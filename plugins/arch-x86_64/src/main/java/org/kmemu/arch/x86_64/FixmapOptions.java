package org.kmemu.arch.x86_64;

import org.kmemu.api.ConfigView;

/**
 * The kernel config options that decide which slots {@code enum fixed_addresses} has
 * (arch/x86/include/asm/fixmap.h), read from {@code kmemu.arch.x86_64.fixmap}.
 *
 * @param vsyscallEmulation CONFIG_X86_VSYSCALL_EMULATION
 * @param localApic         CONFIG_X86_LOCAL_APIC
 * @param ioApic            CONFIG_X86_IO_APIC
 * @param maxIoApics        MAX_IO_APICS (128 on x86_64)
 * @param paravirt          CONFIG_PARAVIRT
 * @param apeiGhes          CONFIG_ACPI_APEI_GHES
 * @param ohci1394DmaInit   CONFIG_PROVIDE_OHCI1394_DMA_INIT
 * @param intelMid          CONFIG_X86_INTEL_MID
 * @param intelTxt          CONFIG_INTEL_TXT
 */
record FixmapOptions(boolean vsyscallEmulation, boolean localApic, boolean ioApic, int maxIoApics,
                     boolean paravirt, boolean apeiGhes, boolean ohci1394DmaInit, boolean intelMid,
                     boolean intelTxt) {

    /** The fixmap of a distribution kernel: every option of the shipped reference.conf. */
    static FixmapOptions typical() {
        return new FixmapOptions(true, true, true, 128, true, true, false, false, false);
    }

    /** Checks the one numeric value. */
    FixmapOptions {
        if (maxIoApics < 1 || maxIoApics > 1024) {
            throw new IllegalArgumentException("max-io-apics: " + maxIoApics + " (expected: 1..1024)");
        }
    }

    static FixmapOptions from(ConfigView c) {
        int maxIoApics = c.getInt("max-io-apics");
        if (maxIoApics < 1 || maxIoApics > 1024) {
            throw c.error("max-io-apics", maxIoApics + " (expected: 1..1024)");
        }
        return new FixmapOptions(c.getBoolean("vsyscall-emulation"), c.getBoolean("local-apic"),
                c.getBoolean("io-apic"), maxIoApics, c.getBoolean("paravirt"), c.getBoolean("apei-ghes"),
                c.getBoolean("ohci1394-dma-init"), c.getBoolean("intel-mid"), c.getBoolean("intel-txt"));
    }
}
