package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.vma.VmFlags.*;

import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.testing.TestMachines;

class PidMapsTest {
    private static Mm mm(Machine m, String arch) {
        return Mm.alloc(m.mmu().cpu(0), m.kernel().pages(), m.mmu(), MmapLayout.of(arch, m.layout(), m.pageShift()),
                m.log());
    }

    @Test
    void x86_64LinesAsCatPrintsThem() {
        Machine m = TestMachines.x86_64(64L << 20);
        Mm mm = mm(m, "x86_64");
        VmFile cat = new VmFile("/usr/bin/cat", 8, 1, 1835050);
        mm.vmas().mapRange(0x400000, 0x40b000, VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYEXEC, 0, cat, null);
        mm.vmas().mapRange(0x60a000, 0x60b000, VM_READ | VM_MAYREAD | VM_MAYWRITE, 0xa, cat, null);
        mm.vmas().mapRange(0x60c000, 0x62d000, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE, 0x60c, null, null);
        mm.vmas().mapRange(0x7ffff7ff0000L, 0x7ffff7ff1000L, VM_READ | VM_SHARED | VM_MAYSHARE, 0, null, null);
        mm.vmas().mapRange(0x7ffffffde000L, 0x7ffffffff000L, VM_READ | VM_WRITE | VM_GROWSDOWN, 0x7ffffffdeL, null, null);
        mm.setBrk(0x60c000, 0x62d000);
        mm.setStartStack(0x7fffffffe4a0L);
        assertThat(PidMaps.render(mm, 12, 8)).isEqualTo(
                "00400000-0040b000 r-xp 00000000 08:01 1835050                            /usr/bin/cat\n"
                + "0060a000-0060b000 r--p 0000a000 08:01 1835050                            /usr/bin/cat\n"
                + "0060c000-0062d000 rw-p 00000000 00:00 0                                  [heap]\n"
                + "7ffff7ff0000-7ffff7ff1000 r--s 00000000 00:00 0 \n"
                + "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n");
    }

    @Test
    void i386PadsTo48() {
        Machine m = TestMachines.i386(64L << 20);
        Mm mm = mm(m, "i386");
        VmFile ld = new VmFile("/lib/ld-linux.so.2", 8, 3, 42);
        mm.vmas().mapRange(0xb7fff000L, 0xb8000000L, VM_READ | VM_EXEC, 0x22, ld, null);
        assertThat(PidMaps.render(mm, 12, 4)).isEqualTo("b7fff000-b8000000 r-xp 00022000 08:03 42         /lib/ld-linux.so.2\n");
    }

    /** The e500 stand-in is 32-bit: ProcFs pads its named lines to 48 columns, as on i386 and a 32-bit PowerPC. */
    @Test
    void e500LikeThroughProcFsPadsTo48() {
        Machine m = TestMachines.boot(new org.kmemu.core.testing.I386TestArch(true), 64L << 20, 2);
        org.kmemu.core.mmu.Cpu cpu = m.mmu().cpu(0);
        Mm mm = m.kernel().memory().mmAlloc(cpu);
        org.kmemu.core.sched.Task t = m.scheduler().createUserTask("ppc", mm);
        VmFile ld = new VmFile("/lib/ld.so.1", 8, 3, 42);
        mm.mmapLock().writeLock();
        try {
            mm.vmas().mapRange(0x0fff0000L, 0x0fff1000L, VM_READ | VM_EXEC, 0x10, ld, null);
            mm.vmas().mapRange(0x10000000L, 0x10002000L, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE, 0x10000, null, null);
        } finally {
            mm.mmapLock().writeUnlock();
        }
        assertThat(new ProcFs(m).read(t.pid() + "/maps")).isEqualTo(
                "0fff0000-0fff1000 r-xp 00010000 08:03 42         /lib/ld.so.1\n"
                + "10000000-10002000 rw-p 00000000 00:00 0 \n");
    }
}
