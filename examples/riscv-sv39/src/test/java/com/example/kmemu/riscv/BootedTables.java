package com.example.kmemu.riscv;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.KernelPageTables;

/**
 * Boot's kernel tables for a QEMU virt machine of some RAM, built in emulated RAM the way kmemu's boot
 * builds them (table pages taken downwards from the top of RAM), for the tests that walk them.
 *
 * @param layout the kernel layout
 * @param memory the machine's RAM
 * @param tables the kernel page tables, every kernel mapping installed
 */
record BootedTables(KernelLayout layout, PhysicalMemory memory, KernelPageTables tables) {
    /**
     * @param spec       the configured architecture
     * @param ram        RAM bytes
     * @param imageBytes the kernel image's size, mapped from {@link ArchSpec#kernelLoadAddress()}
     * @return the tables
     */
    static BootedTables of(ArchSpec spec, long ram, long imageBytes) {
        MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram));
        KernelLayout l = spec.layout(map);
        PhysicalMemory memory = new PhysicalMemory(map, spec.byteOrder(), (byte) 0);
        long[] next = {(l.maxPfn() << 12) - 4096};
        KernelPageTables tables = new KernelPageTables(memory, spec.pageTableFormat(l), cpu -> {
            long page = next[0];
            next[0] -= 4096;
            return page;
        }, 12);
        long image = spec.kernelLoadAddress();
        for (KernelMapping m : spec.kernelMappings(l, map, image, image + imageBytes)) {
            tables.install(m);
        }
        return new BootedTables(l, memory, tables);
    }
}
