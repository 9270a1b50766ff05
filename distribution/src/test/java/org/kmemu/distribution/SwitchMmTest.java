package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Gfp;
import org.kmemu.api.PgdSync;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.TlbStats;
import org.kmemu.core.sched.Task;

/**
 * switch_mm and the kernel half of process roots on every shipped machine, with the real arch plugins
 * loaded through PF4J: a vmalloc made after a task's mm exists (new kernel page tables) is read through a
 * CPU that runs that mm; x86 flushes non-global entries on a switch, e500 flushes nothing and keeps
 * contexts apart by TID; PAE's user PMDs are there from pgd_alloc and go back with the mm.
 */
class SwitchMmTest {
    private static final long MB = 1L << 20;
    private static final long UADDR = 0x10000000L;

    private static Machine boot(String config) {
        return Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
    }

    private static Mm mm(Machine m) {
        return Mm.alloc(m.mmu().cpu(0), m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()),
                m.log());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "i386-pae", "booke-e500"})
    void aVmallocMadeAfterTheMmIsReachableWhileItIsLoaded(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();
        Mm mm = mm(m);
        if (config.equals("i386-pae")) {
            assertThat(m.mmu().prepopulateUserRoot()).isTrue();
            assertThat(mm.pageTablePages()).as("three user PMDs, preallocated").isEqualTo(3);
        } else {
            assertThat(mm.pageTablePages()).isZero();
        }
        Task t = m.scheduler().createUserTask("proc", mm);
        m.scheduler().contextSwitch(cpu, t);
        assertThat(cpu.root()).isEqualTo(mm.pgdPhys());
        long tablesBefore = m.mmu().kernelTables().tablePages();

        long size = 16 * MB;
        long area = m.kernel().vmalloc().vmalloc(cpu, size, "test");
        assertThat(area).isNotZero();
        assertThat(m.mmu().kernelTables().tablePages()).as("new kernel page tables").isGreaterThan(tablesBefore);
        for (long off = 0; off < size; off += 4096) {
            cpu.store32(area + off, (int) (off >>> 12) * 7 + 1);
        }
        for (long off = 0; off < size; off += 4096) {
            assertThat(cpu.load32(area + off)).isEqualTo((int) (off >>> 12) * 7 + 1);
        }
        if (m.mmu().pgdSync() == PgdSync.PGD_LIST) {
            assertThat(m.mmu().kernelTables().syncedRootEntries()).as("arch_sync_kernel_mappings ran").isPositive();
        } else {
            assertThat(m.mmu().kernelTables().syncedRootEntries()).isZero();
        }

        m.kernel().vmalloc().vfree(cpu, area);
        m.scheduler().contextSwitch(cpu, m.scheduler().idleTask(0));
        m.scheduler().leaveMm(cpu);
        mm.destroy(cpu, m.kernel().pages(), m.mmu());
        m.pageAllocator().drainAllPages();
        // vmalloc's page tables stay (the kernel never frees them), everything else comes back.
        long kept = m.mmu().kernelTables().tablePages() - tablesBefore;
        assertThat(m.nrFreePages()).as("the mm's root and PMDs are back").isEqualTo(free - kept);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "i386-pae", "booke-e500"})
    void switchingMmFlushesWhatTheArchFlushes(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        UserPageTables upt = new UserPageTables(m.memory(), m.mmu().format(), m.kernel().pages(), m.pageShift());
        Mm a = mm(m);
        Mm b = mm(m);
        for (Mm mm : new Mm[] {a, b}) {
            long pfn = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0);
            m.memory().writeInt(pfn << m.pageShift(), mm == a ? 0xaaaa : 0xbbbb);
            long ptep = upt.ptep(cpu, mm, UADDR, true);
            upt.writePte(ptep, upt.mkPte(pfn, PteFlags.PRESENT | PteFlags.USER | PteFlags.WRITE | PteFlags.ACCESSED));
        }
        Task ta = m.scheduler().createUserTask("a", a);
        Task tb = m.scheduler().createUserTask("b", b);
        long kernelVa = m.kernel().vmalloc().vmalloc(cpu, 4096, "test");
        cpu.store32(kernelVa, 0x1234);

        m.scheduler().contextSwitch(cpu, ta);
        assertThat(userLoad(cpu)).isEqualTo(0xaaaa);
        assertThat(cpu.load32(kernelVa)).isEqualTo(0x1234);
        TlbStats before = cpu.tlbStats();
        m.scheduler().contextSwitch(cpu, tb);
        TlbStats after = cpu.tlbStats();
        boolean tagged = m.mmu().tlbModel().tagged();
        assertThat(tagged).isEqualTo(config.startsWith("booke"));
        assertThat(after.flushes() - before.flushes()).isEqualTo(tagged ? 0 : 1);
        assertThat(userLoad(cpu)).as("b sees its own page").isEqualTo(0xbbbb);
        assertThat(cpu.tlbStats().misses()).isEqualTo(after.misses() + 1);
        long misses = cpu.tlbStats().misses();
        m.scheduler().contextSwitch(cpu, ta);
        assertThat(userLoad(cpu)).isEqualTo(0xaaaa);
        assertThat(cpu.tlbStats().misses() - misses).as("a's entry survived the switch only with TIDs").isEqualTo(tagged ? 0 : 1);
    }

    private static int userLoad(Cpu cpu) {
        cpu.setUserMode(true);
        try {
            return cpu.load32(UADDR);
        } finally {
            cpu.setUserMode(false);
        }
    }
}
