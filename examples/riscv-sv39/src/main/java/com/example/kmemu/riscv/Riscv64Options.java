package com.example.kmemu.riscv;

import org.kmemu.api.ConfigView;
import org.kmemu.api.TlbModel;

/**
 * The validated settings of {@code kmemu.arch.riscv64} (defaults in this plugin's reference.conf), read
 * once when the machine is configured. Immutable.
 *
 * @param structPageBytes    sizeof(struct page)
 * @param ramBase            where the default memory map puts DRAM (QEMU virt: 0x80000000)
 * @param firmwareReserved   bytes at the bottom of RAM the firmware keeps out of the kernel's hands (no-map)
 * @param kernelLoadAddress  where the image is loaded (FW_JUMP_ADDR, 0x80200000)
 * @param linearMapPageSize  the largest leaf of the linear map: 2 MiB as Linux, or 1 GiB
 * @param tlb                the TLB geometry
 */
record Riscv64Options(int structPageBytes, long ramBase, long firmwareReserved, long kernelLoadAddress,
                      long linearMapPageSize, TlbModel tlb) {

    /**
     * @param config {@code kmemu.arch.riscv64}
     * @return the options
     * @throws org.kmemu.api.ConfigException for a value that breaks a rule, naming the key and its origin
     */
    static Riscv64Options from(ConfigView config) {
        int structPage = config.getInt("struct-page-bytes");
        if (structPage <= 0 || structPage % 8 != 0) {
            throw config.error("struct-page-bytes", structPage + " (expected: a positive multiple of 8)");
        }
        long ramBase = config.getAddress("ram-base");
        if (ramBase < 0 || (ramBase & (Sv39.PMD_SIZE - 1)) != 0) {
            throw config.error("ram-base", String.format("%#x (expected: a 2 MiB aligned physical address,"
                    + " since phys_ram_base is rounded down to PMD_SIZE)", ramBase));
        }
        long firmware = config.getBytes("firmware-reserved");
        if (firmware < 0 || (firmware & (Sv39.PAGE_SIZE - 1)) != 0) {
            throw config.error("firmware-reserved", firmware + " bytes (expected: a whole number of 4 KiB pages)");
        }
        long load = config.getAddress("kernel-load-address");
        if (load < ramBase + firmware || (load & (Sv39.PMD_SIZE - 1)) != 0) {
            throw config.error("kernel-load-address", String.format("%#x (expected: 2 MiB aligned, as setup_vm() checks,"
                    + " and at or above the firmware's end %#x)", load, ramBase + firmware));
        }
        long leaf = config.getBytes("linear-map-page-size");
        if (leaf != Sv39.PMD_SIZE && leaf != Sv39.PGDIR_SIZE) {
            throw config.error("linear-map-page-size", leaf + " bytes (expected: 2M as Linux 6.x maps Sv39, or 1G)");
        }
        ConfigView t = config.getConfig("tlb");
        int sets = t.getInt("sets");
        int ways = t.getInt("ways");
        if (sets <= 0 || Integer.bitCount(sets) != 1) {
            throw t.error("sets", sets + " (expected: a power of two)");
        }
        if (ways <= 0) {
            throw t.error("ways", ways + " (expected: at least 1)");
        }
        return new Riscv64Options(structPage, ramBase, firmware, load, leaf, new TlbModel(false, sets, ways, 0));
    }
}
