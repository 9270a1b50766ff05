package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kmemu.api.Gfp;
import org.kmemu.core.config.MachineConfig.UaccessCopyPath;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/**
 * kmemu.uaccess.copy-path on a booted i386 machine: both paths give copy_to_user's and copy_from_user's
 * results on a real mm (the exact short count at a hole, the zeroed tail), and only gup-kmap counts GUP calls
 * and kmap_atomics.
 */
class CopyPathTest {

    @ParameterizedTest
    @EnumSource(UaccessCopyPath.class)
    void bothPathsGiveTheSameResultsAndOnlyGupKmapCountsItsSteps(UaccessCopyPath path) {
        Machine m = TestMachines.boot(new I386TestArch(), 64L << 20, path);
        Cpu cpu = m.mmu().cpu(0);
        UserMemory um = m.kernel().memory();
        PageApi pages = m.kernel().pages();
        Uaccess u = m.kernel().uaccess();
        Mm mm = um.mmAlloc(cpu);
        Task t = m.scheduler().createUserTask("copy", mm);
        m.scheduler().contextSwitch(cpu, t);
        long a = um.mmap().vmMmapPgoff(cpu, mm, 0, 2 * 4096, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(um.mmap().vmMunmap(cpu, mm, a + 2 * 4096, 4096)).isZero(); // a hole after the buffer
        long kbuf = pages.pageAddress(pages.allocPages(cpu, Gfp.GFP_KERNEL, 1));
        for (int i = 0; i < 8192; i++) {
            cpu.store8(kbuf + i, (byte) (i * 7));
        }
        long gupBefore = um.gupUserCopy().gupCalls();

        assertThat(u.copyToUser(cpu, a + 4096 - 10, kbuf, 4096 + 10 + 300)).as("stops at the hole")
                .isEqualTo(300);
        assertThat(u.copyFromUser(cpu, kbuf + 4096, a + 4096 - 10, 100)).isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(cpu.load8(kbuf + 4096 + i)).isEqualTo((byte) (i * 7));
        }
        assertThat(u.copyFromUser(cpu, kbuf, a + 2 * 4096 - 4, 64)).as("4 bytes before the hole").isEqualTo(60);
        for (int i = 4; i < 64; i++) {
            assertThat(cpu.load8(kbuf + i)).as("the tail is zeroed").isZero();
        }
        long gupCalls = um.gupUserCopy().gupCalls() - gupBefore;
        if (path == UaccessCopyPath.GUP_KMAP) {
            // copy_to_user: 2 pages + the hole; copy_from_user: 2 pages; then 1 page + the hole
            assertThat(gupCalls).isEqualTo(3 + 2 + 2);
        } else {
            assertThat(gupCalls).isZero();
        }
        pages.freePages(cpu, m.kernel().addresses().virtToPage(kbuf), 1);
        m.scheduler().doExit(cpu, 0);
    }
}
