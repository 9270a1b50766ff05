package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.CpuOwners;
import org.kmemu.core.mmu.KernelPageTables;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.mmu.WalkReport;

/**
 * The kernel tables this plugin describes, walked by kmemu's own MMU: every RAM address of the linear map
 * translates to what __pa says (the TCK's direct-map check, sampling RAM at 0x80000000 rather than from
 * physical 0), stores land little-endian, and the protections of PAGE_KERNEL hold.
 */
class RiscvMmuTest {
    private record Machine(KernelLayout layout, PhysicalMemory memory, KernelPageTables tables, Mmu mmu) {
    }

    private static Machine machine(ArchSpec spec, long ram) {
        BootedTables b = BootedTables.of(spec, ram, 8L << 20);
        return new Machine(b.layout(), b.memory(), b.tables(), new Mmu(spec, b.layout(), b.memory(), b.tables(),
                new CpuOwners(1, new KernelLogBuffer())));
    }

    @Test
    void everyRamAddressOfTheLinearMapTranslatesToItsPa() {
        ArchSpec spec = Sv39LayoutTest.spec();
        for (long ram : new long[] {64L << 20, 2L << 30, 8L << 30}) {
            Machine m = machine(spec, ram);
            Random rnd = new Random(ram);
            long base = 0x80060000L;
            long ramEnd = m.layout().maxPfn() << 12;
            for (int i = 0; i < 2000; i++) {
                long phys = (base + Math.floorMod(rnd.nextLong(), ramEnd - base - 64L * 4096)) & ~7L;
                long v = m.layout().va(phys);
                WalkReport w = m.mmu().walk(m.tables().root(), v);
                assertThat(w.mapped()).as("%#x on a %d MiB machine: %s", v, ram >> 20, w.lines()).isTrue();
                assertThat(w.physical()).isEqualTo(m.layout().pa(v)).isEqualTo(phys);
                assertThat(m.mmu().cpu(0).translate(v, Access.READ)).isEqualTo(phys);
            }
        }
    }

    @Test
    void aStoreThroughTheLinearMapLandsLittleEndianInRam() {
        Machine m = machine(Sv39LayoutTest.spec(), 64L << 20);
        long phys = 0x80301230L;
        m.mmu().cpu(0).store32(m.layout().va(phys), 0x12345678);
        assertThat(m.memory().readInt(phys)).isEqualTo(0x12345678);
        assertThat(m.memory().readByte(phys) & 0xff).isEqualTo(0x78);
        assertThat(m.mmu().cpu(0).load32(m.layout().kernelImageVa(phys))).as("the kernel mapping aliases the same RAM")
                .isEqualTo(0x12345678);
    }

    @Test
    void theLinearMapIsNotExecutableAndTheKernelMappingIs() {
        Machine m = machine(Sv39LayoutTest.spec(), 64L << 20);
        long image = m.layout().kernelImageVa(0x80200000L);
        assertThat(m.mmu().cpu(0).translate(image, Access.EXECUTE)).isEqualTo(0x80200000L);
        long linear = m.layout().va(0x80200000L);
        assertThatThrownBy(() -> m.mmu().cpu(0).translate(linear, Access.EXECUTE)).isInstanceOf(KernelOopsException.class)
                .satisfies(e -> assertThat(((KernelOopsException) e).report()).first().asString()
                        .isEqualTo("Unable to handle kernel paging request at virtual address ffffffd600200000"));
    }

    @Test
    void theFirmwareHoleFaultsWithTheRiscvOops() {
        Machine m = machine(Sv39LayoutTest.spec(), 64L << 20);
        long v = m.layout().va(0x80000000L);
        assertThatThrownBy(() -> m.mmu().cpu(0).translate(v, Access.READ)).isInstanceOf(KernelOopsException.class)
                .satisfies(e -> assertThat(((KernelOopsException) e).report()).last().asString().isEqualTo("Oops [#1]"));
    }

    /**
     * A process's root shares the kernel half from slot 256 (USER_PTRS_PER_PGD), not from PAGE_OFFSET's
     * slot: vmalloc (slot 280) lies below PAGE_OFFSET on riscv64, and a vmalloc address must translate the
     * same with a process's root loaded as with the kernel's (arch/riscv/include/asm/pgalloc.h, pgd_alloc).
     */
    @Test
    void aProcessRootSharesTheKernelHalfFromTheFirstSlotPastUserSpace() {
        ArchSpec spec = Sv39LayoutTest.spec();
        Machine m = machine(spec, 64L << 20);
        assertThat(m.layout().kernelSpaceStart()).isEqualTo(0xffffffc000000000L);
        m.tables().configurePgds(spec.pgdSync(), m.layout().kernelSpaceStart());
        assertThat(m.tables().kernelPgdBoundary()).isEqualTo(256);
        long vmalloc = m.layout().vmallocStart() + (5L << 12);
        long backing = 0x80400000L;
        m.tables().preallocateKernelTables(0, m.layout().vmallocStart(), m.layout().vmallocEnd());
        assertThat(m.tables().mapPage(m.mmu().cpu(0), vmalloc, backing, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL)).isTrue();
        long processRoot = 0x80500000L; // a zeroed page of RAM, as pgd_alloc's
        m.tables().pgdCtor(processRoot);
        WalkReport inProcess = m.mmu().walk(processRoot, vmalloc);
        assertThat(inProcess.mapped()).as("%s", inProcess.lines()).isTrue();
        assertThat(inProcess.physical()).isEqualTo(backing);
        assertThat(m.mmu().walk(processRoot, 0x10000L).mapped()).as("user space stays the process's own").isFalse();
    }
}
