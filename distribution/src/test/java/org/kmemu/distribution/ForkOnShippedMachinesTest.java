package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * mmap, fork and exit on the four shipped machines with the real arch plugins (x86_64, i386 2-level and PAE,
 * big-endian e500 with its software-refilled TLB), through the services boot wires: user PTEs in each arch's
 * own format, written through the CPU in user mode, write-protected in parent and child by fork, the parent's
 * next write a COW fault that gives it a copy while the child keeps reading the old bytes, and every page
 * back after both exit.
 */
class ForkOnShippedMachinesTest {

    private static long pte(UserPageTables tables, Cpu cpu, Mm mm, long addr) {
        return tables.readPte(tables.ptep(cpu, mm, addr, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "i386-pae", "booke-e500"})
    void forkCopyOnWriteAndExit(String config) {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
        Cpu cpu = m.mmu().cpu(0);
        PageApi pages = m.kernel().pages();
        UserMemory um = m.kernel().memory();
        UserPageTables tables = um.userPageTables();
        long p = 1L << m.pageShift();
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();

        Mm mm = um.mmAlloc(cpu);
        Task parent = m.scheduler().createUserTask("proc", mm);
        m.scheduler().contextSwitch(cpu, parent);
        long a = um.mmap().vmMmapPgoff(cpu, mm, 0, 2 * p, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(a).isEqualTo(mm.mmapBase() - 2 * p);
        cpu.setUserMode(true);
        cpu.store32(a + 4, 0x11223344);
        cpu.store32(a + p + 4, 0x55667788);
        cpu.setUserMode(false);

        Task child = m.scheduler().fork(cpu);
        Mm cmm = (Mm) child.mm();
        long pfn = tables.pfn(pte(tables, cpu, mm, a));
        assertThat(tables.pfn(pte(tables, cpu, cmm, a))).isEqualTo(pfn);
        assertThat(tables.flags(pte(tables, cpu, mm, a)) & PteFlags.WRITE).isZero();
        assertThat(tables.flags(pte(tables, cpu, cmm, a)) & PteFlags.WRITE).isZero();
        assertThat(pages.pageRefCount(pfn)).isEqualTo(2);
        assertThat(pages.pageMapcount(pfn)).isEqualTo(2);

        cpu.setUserMode(true);
        cpu.store32(a + 4, 0xfeed); // a write-protect fault: the page is shared, so the parent gets a copy
        cpu.setUserMode(false);
        long copy = tables.pfn(pte(tables, cpu, mm, a));
        assertThat(copy).as("wp_page_copy").isNotEqualTo(pfn);
        assertThat(tables.flags(pte(tables, cpu, mm, a)) & PteFlags.WRITE).isNotZero();
        assertThat(pages.pageRefCount(pfn)).isEqualTo(1);
        assertThat(pages.pageMapcount(pfn)).isEqualTo(1);

        m.scheduler().contextSwitch(cpu, child);
        cpu.setUserMode(true);
        assertThat(cpu.load32(a + 4)).as("the child keeps the old bytes").isEqualTo(0x11223344);
        assertThat(cpu.load32(a + p + 4)).isEqualTo(0x55667788);
        cpu.store32(a + 4, 0xc0de); // the child's page is exclusive now: reused, not copied
        cpu.setUserMode(false);
        assertThat(tables.pfn(pte(tables, cpu, cmm, a))).as("wp_can_reuse_anon_folio").isEqualTo(pfn);
        m.scheduler().doExit(cpu, 0);
        m.scheduler().contextSwitch(cpu, parent);
        cpu.setUserMode(true);
        assertThat(cpu.load32(a + 4)).isEqualTo(0xfeed);
        cpu.setUserMode(false);
        m.scheduler().doExit(cpu, 0);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("user pages, tables and both roots are back").isEqualTo(free);
    }
}
