package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PgdSync;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;
import org.junit.jupiter.api.Test;

/**
 * A vmalloc made after a task's mm exists is reachable while that mm is loaded, by each arch's model:
 * preallocated kernel tables (x86_64), pgd_list (x86-32 2-level), swapper_pg_dir walked for kernel
 * addresses (e500).
 */
class KernelPgdSyncTest {
    private static final long MB = 1L << 20;

    private static Mm mm(Machine m) {
        return Mm.alloc(m.mmu().cpu(0), m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()),
                m.log());
    }

    private static long rootEntry(Machine m, long root, long vaddr) {
        PageTableFormat f = m.mmu().format();
        int slot = (int) ((vaddr >>> f.indexShift(0)) & ((1L << f.indexBits(0)) - 1));
        long a = root + (long) slot * f.entryBytes();
        return f.entryBytes() == 8 ? m.memory().readLong(a) : m.memory().readInt(a) & 0xffffffffL;
    }

    /** Switches CPU 0 to a new mm, vmallocs 12 MiB, writes and reads every page through CPU 0; returns the area. */
    private static long vmallocOnLoadedMm(Machine m, Mm mm) {
        Cpu cpu = m.mmu().cpu(0);
        Task t = m.scheduler().createUserTask("proc", mm);
        m.scheduler().contextSwitch(cpu, t);
        assertThat(cpu.root()).isEqualTo(mm.pgdPhys());
        long size = 12 * MB;
        long area = m.kernel().vmalloc().vmalloc(cpu, size, "test");
        assertThat(area).isNotZero();
        for (long off = 0; off < size; off += 4096) {
            cpu.store64(area + off, off ^ 0x5a5a5a5aL);
        }
        for (long off = 0; off < size; off += 4096) {
            assertThat(cpu.load64(area + off)).isEqualTo(off ^ 0x5a5a5a5aL);
            long pfn = m.kernel().vmalloc().vmallocToPage(area + off);
            assertThat(m.memory().readLong(pfn << m.pageShift())).isEqualTo(off ^ 0x5a5a5a5aL);
        }
        return area;
    }

    @Test
    void x86_64PreallocatesTheVmallocRangeSoNoRootEntryIsMadeLater() {
        Machine m = TestMachines.boot(new X86_64TestArch(), 256 * MB, 2);
        assertThat(m.mmu().pgdSync()).isEqualTo(PgdSync.PREALLOCATE_KERNEL_TABLES);
        long kroot = m.mmu().kernelTables().root();
        long start = m.layout().vmallocStart();
        long end = m.layout().vmallocEnd();
        Mm mm = mm(m);
        for (long a = start; Long.compareUnsigned(a, end) < 0 && Long.compareUnsigned(a, start) >= 0; a += 1L << 39) {
            assertThat(rootEntry(m, mm.pgdPhys(), a)).as("slot of %#x", a).isNotZero().isEqualTo(rootEntry(m, kroot, a));
        }
        long before = m.mmu().kernelTables().tablePages();
        long area = vmallocOnLoadedMm(m, mm);
        assertThat(m.mmu().kernelTables().tablePages()).as("vmalloc made lower tables").isGreaterThan(before);
        assertThat(rootEntry(m, mm.pgdPhys(), area)).isEqualTo(rootEntry(m, kroot, area));
        assertThat(m.mmu().kernelTables().syncedRootEntries()).isZero();
    }

    @Test
    void i386TwoLevelCopiesNewKernelPgdEntriesIntoEveryPgdOnPgdList() {
        Machine m = TestMachines.i386(256 * MB);
        assertThat(m.mmu().pgdSync()).isEqualTo(PgdSync.PGD_LIST);
        KernelPageTables k = m.mmu().kernelTables();
        Mm mm = mm(m);
        Mm other = mm(m);
        assertThat(k.pgdListSize()).isEqualTo(2);
        long area = vmallocOnLoadedMm(m, mm);
        // 12 MiB of vmalloc needs at least 3 new 4 MiB PGD slots, each copied into both pgds.
        assertThat(k.syncedRootEntries()).isGreaterThanOrEqualTo(2 * 3);
        for (long off = 0; off < 12 * MB; off += 4 * MB) {
            long e = rootEntry(m, k.root(), area + off);
            assertThat(e).isNotZero();
            assertThat(rootEntry(m, mm.pgdPhys(), area + off)).isEqualTo(e);
            assertThat(rootEntry(m, other.pgdPhys(), area + off)).isEqualTo(e);
        }
        Cpu cpu = m.mmu().cpu(0);
        m.scheduler().contextSwitch(cpu, m.scheduler().idleTask(0));
        m.scheduler().leaveMm(cpu);
        other.destroy(cpu, m.kernel().pages(), m.mmu());
        assertThat(k.pgdListSize()).as("pgd_dtor takes the root off pgd_list").isEqualTo(1);
    }

    @Test
    void e500WalksSwapperPgDirForKernelAddressesWhateverTheRoot() {
        Machine m = TestMachines.boot(new I386TestArch(true), 256 * MB, 2);
        assertThat(m.mmu().pgdSync()).isEqualTo(PgdSync.KERNEL_ROOT_WALK);
        Mm mm = mm(m);
        long area = vmallocOnLoadedMm(m, mm);
        long kroot = m.mmu().kernelTables().root();
        assertThat(rootEntry(m, kroot, area)).isNotZero();
        assertThat(rootEntry(m, mm.pgdPhys(), area)).as("the process root was never synced: it need not be").isZero();
        assertThat(m.mmu().kernelTables().syncedRootEntries()).isZero();
    }
}
