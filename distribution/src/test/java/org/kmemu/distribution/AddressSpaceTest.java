package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.PageTableFormat;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.UnmappedArea;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * A process mm on the shipped machines with the real arch plugins: its root in the arch's own format
 * shares exactly the kernel half of swapper_pg_dir (x86_64 from the direct map's slot, i386 and e500 from
 * TASK_SIZE's; PAE's 4-entry PDPT, whose user entries point at preallocated PMDs), a task on it reaches
 * the kernel, the layout is the arch's, and the mm gives its pages back.
 */
class AddressSpaceTest {

    static Stream<Arguments> machines() {
        return Stream.of(Arguments.of("x86_64", 273, 512), Arguments.of("i386-highmem", 768, 1024),
                Arguments.of("i386-pae", 3, 4), Arguments.of("booke-e500", -1, -1));
    }

    private static long entry(Machine m, PageTableFormat f, long table, int i) {
        long a = table + (long) i * f.entryBytes();
        return f.entryBytes() == 8 ? m.memory().readLong(a) : m.memory().readInt(a) & 0xffffffffL;
    }

    @ParameterizedTest
    @MethodSource("machines")
    void processRootLayoutAndTeardown(String config, int boundary, int ptrs) {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
        Cpu cpu = m.mmu().cpu(0);
        PageApi pages = m.kernel().pages();
        PageTableFormat f = m.mmu().format();
        long kroot = m.mmu().kernelTables().root();
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();
        MmapLayout layout = MmapLayout.of(m.arch().id(), m.layout(), m.pageShift());
        Mm mm = Mm.alloc(cpu, pages, m.mmu(), layout, m.log());

        int n = 1 << f.indexBits(0);
        if (boundary >= 0) {
            assertThat(mm.kernelPgdBoundary()).isEqualTo(boundary);
            assertThat(n).isEqualTo(ptrs);
        } else {
            // e500: USER_PTRS_PER_PGD = TASK_SIZE / PGDIR_SIZE
            assertThat(mm.kernelPgdBoundary()).isEqualTo((int) (m.layout().taskSize() >>> f.indexShift(0)));
        }
        int shared = 0;
        for (int i = 0; i < n; i++) {
            long mine = entry(m, f, mm.pgdPhys(), i);
            if (i < mm.kernelPgdBoundary() && m.mmu().prepopulateUserRoot()) {
                // PAE: each user PDPTE points at its own zeroed PMD (preallocate_pmds), not at a kernel table.
                assertThat(f.decode(mine, 0) & org.kmemu.api.PteFlags.PRESENT).as("user slot %d", i).isNotZero();
                long pmd = f.address(mine, 0);
                assertThat(m.memory().readLong(pmd)).isZero();
                assertThat(pmd).isNotEqualTo(f.address(entry(m, f, kroot, 3), 0));
            } else if (i < mm.kernelPgdBoundary()) {
                assertThat(mine).as("user slot %d", i).isZero();
            } else {
                assertThat(mine).as("kernel slot %d", i).isEqualTo(entry(m, f, kroot, i));
                shared += mine != 0 ? 1 : 0;
            }
        }
        assertThat(shared).isPositive();

        assertThat(layout.mmapBase()).isEqualTo(m.layout().taskSize() - (128L << 20));
        assertThat(layout.unmappedBase()).isEqualTo(m.arch().id().equals("booke")
                ? m.layout().taskSize() / 8 * 3 : (m.layout().taskSize() / 3 + 0xfff) & ~0xfffL);

        long pfn = pages.allocPages(cpu, 0, 0);
        long kaddr = pages.pageAddress(pfn);
        cpu.store32(kaddr, 0x600dcafe);
        Task t = m.scheduler().createUserTask("proc", mm);
        m.scheduler().contextSwitch(cpu, t);
        assertThat(cpu.root()).isEqualTo(mm.pgdPhys());
        assertThat(cpu.load32(kaddr)).isEqualTo(0x600dcafe);

        mm.mmapLock().writeLock();
        long a = UnmappedArea.get(mm.vmas(), layout, 0, 1 << 20, false);
        assertThat(a).isEqualTo(layout.mmapBase() - (1 << 20));
        mm.vmas().mapRange(a, a + (1 << 20), VmFlags.VM_READ | VmFlags.VM_WRITE, a >>> m.pageShift(), null, null);
        mm.mmapLock().writeUnlock();

        m.scheduler().contextSwitch(cpu, m.scheduler().idleTask(0));
        assertThat(m.scheduler().leaveMm(cpu)).as("the idle task borrowed the mm").isTrue();
        pages.putPage(cpu, pfn);
        mm.destroy(cpu, pages, m.mmu());
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("the root page is back").isEqualTo(free);
    }
}
