package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.TestMachines;

class MmTest {
    private static final long MB = 1L << 20;

    private static Machine boot(String arch) {
        return arch.equals("x86_64") ? TestMachines.x86_64(64 * MB) : TestMachines.i386(64 * MB);
    }

    private static Mm alloc(Machine m, String arch) {
        return Mm.alloc(m.mmu().cpu(0), m.kernel().pages(), m.mmu(), MmapLayout.of(arch, m.layout(), m.pageShift()),
                m.log());
    }

    private static long entry(PhysicalMemory mem, PageTableFormat f, long table, int i) {
        long a = table + (long) i * f.entryBytes();
        return f.entryBytes() == 8 ? mem.readLong(a) : mem.readInt(a) & 0xffffffffL;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void rootSharesTheKernelHalfOnly(String arch) {
        Machine m = boot(arch);
        Mm mm = alloc(m, arch);
        PageTableFormat f = m.mmu().format();
        long kroot = m.mmu().kernelTables().root();
        assertThat(mm.pgdPhys()).isNotEqualTo(kroot);
        assertThat(mm.kernelPgdBoundary()).as("KERNEL_PGD_BOUNDARY").isEqualTo(arch.equals("x86_64") ? 273 : 768);
        int ptrs = 1 << f.indexBits(0);
        int kernelEntries = 0;
        for (int i = 0; i < ptrs; i++) {
            long mine = entry(m.memory(), f, mm.pgdPhys(), i);
            if (i < mm.kernelPgdBoundary()) {
                assertThat(mine).as("user slot %d", i).isZero();
            } else {
                assertThat(mine).as("kernel slot %d", i).isEqualTo(entry(m.memory(), f, kroot, i));
                kernelEntries += mine != 0 ? 1 : 0;
            }
        }
        assertThat(kernelEntries).as("the direct map at least").isPositive();
        assertThat(mm.taskSize()).isEqualTo(m.layout().taskSize());
        assertThat(mm.mmapBase()).isEqualTo(m.layout().taskSize() - 128 * MB);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void aTaskOnTheMmSeesTheKernel(String arch) {
        Machine m = boot(arch);
        Mm mm = alloc(m, arch);
        Cpu cpu = m.mmu().cpu(0);
        PageApi pages = m.kernel().pages();
        long pfn = pages.allocPages(cpu, 0, 0);
        long kaddr = pages.pageAddress(pfn);
        cpu.store32(kaddr, 0x5a5a1234);
        Task t = m.scheduler().createUserTask("user", mm);
        m.scheduler().contextSwitch(cpu, t);
        assertThat(cpu.root()).isEqualTo(mm.pgdPhys());
        assertThat(cpu.load32(kaddr)).as("through the user root's kernel half").isEqualTo(0x5a5a1234);
        m.scheduler().contextSwitch(cpu, m.scheduler().idleTask(0));
        pages.putPage(cpu, pfn);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void destroyGivesEveryTablePageBack(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        PageApi pages = m.kernel().pages();
        PageTableFormat f = m.mmu().format();
        long free = m.nrFreePages();
        Mm mm = alloc(m, arch);
        mm.mmapLock().writeLock();
        mm.vmas().mapRange(0x400000, 0x401000, VmFlags.VM_READ, 0x400, null, null);
        mm.mmapLock().writeUnlock();
        // a user table under slot 1, and (on x86_64) one more level below it
        long table = pages.allocPages(cpu, org.kmemu.api.Gfp.__GFP_ZERO, 0) << m.pageShift();
        long e = f.encodeTable(table, 0, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER);
        if (f.entryBytes() == 8) {
            m.memory().writeLong(mm.pgdPhys() + 8, e);
        } else {
            m.memory().writeInt(mm.pgdPhys() + 4, (int) e);
        }
        if (f.levels() > 2) {
            long lower = pages.allocPages(cpu, org.kmemu.api.Gfp.__GFP_ZERO, 0) << m.pageShift();
            m.memory().writeLong(table + 8, f.encodeTable(lower, 1, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER));
        }
        assertThat(m.nrFreePages()).isLessThan(free);
        mm.destroy(cpu, pages, m.mmu());
        assertThat(mm.vmas().mapCount()).isZero();
        assertThat(m.nrFreePages()).isEqualTo(free);
    }

    @Test
    void mmapLockBlocksAWriterOnAnotherCpuWhileReadHeld() throws Exception {
        Machine m = boot("i386");
        Mm mm = alloc(m, "i386");
        MmapLock lock = mm.mmapLock();
        lock.readLock();
        AtomicBoolean written = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            lock.writeLock();
            written.set(true);
            lock.writeUnlock();
        }, "cpu1-writer");
        writer.start();
        while (writer.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        assertThat(written).as("down_write sleeps while a reader holds it").isFalse();
        assertThat(lock.readTrylock()).as("the holder's thread may nest a read").isTrue();
        lock.readUnlock();
        lock.readUnlock();
        writer.join();
        assertThat(written).isTrue();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void mmapAssertLockedWarnsWhenTheCallerDoesNotHoldIt() {
        Machine m = boot("i386");
        Mm mm = alloc(m, "i386");
        Cpu cpu = m.mmu().cpu(0);
        KernelLogBuffer log = m.log();
        int before = log.lines().size();
        mm.mmapLock().readLock();
        assertThat(mm.getUnmappedArea(cpu, 0, 4096, false)).isEqualTo(mm.mmapBase() - 4096);
        assertThat(mm.mmapLock().assertWriteLocked(cpu)).isFalse();
        mm.mmapLock().readUnlock();
        assertThat(log.lines().subList(before, log.lines().size())).extracting(KernelLogBuffer.Line::text)
                .containsExactly("------------[ cut here ]------------",
                        "WARNING: CPU: 0 PID: 0 at include/linux/rwsem.h rwsem_assert_held_write");
        before = log.lines().size();
        mm.getUnmappedArea(cpu, 0, 4096, false);
        assertThat(log.lines().subList(before, log.lines().size())).extracting(KernelLogBuffer.Line::text)
                .containsExactly("------------[ cut here ]------------",
                        "WARNING: CPU: 0 PID: 0 at include/linux/rwsem.h rwsem_assert_held");
        mm.mmapLock().writeLock();
        assertThat(mm.mmapLock().assertLocked(cpu)).isTrue();
        assertThat(mm.mmapLock().assertWriteLocked(cpu)).isTrue();
        mm.mmapLock().writeDowngrade();
        assertThat(mm.mmapLock().assertLocked(cpu)).isTrue();
        mm.mmapLock().readUnlock();
        assertThat(log.lines()).hasSize(before + 2);
    }
}
