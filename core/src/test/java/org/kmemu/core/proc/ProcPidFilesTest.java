package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/** /proc/PID/maps and /proc/PID/smaps through {@link ProcFs}, on the x86_64, i386 and e500 stand-ins. */
class ProcPidFilesTest {
    private static final long A = 0x10000000L;

    static Stream<String> machines() {
        return Stream.of("x86_64", "i386", "e500-like");
    }

    private static Machine boot(String name) {
        return switch (name) {
            case "x86_64" -> TestMachines.x86_64(64L << 20);
            case "i386" -> TestMachines.i386(1L << 30);
            default -> TestMachines.boot(new I386TestArch(true), 64L << 20, 2);
        };
    }

    /** A user task with 3 populated pages at A, running on CPU 0. */
    private static Task spawn(Machine m) {
        Cpu cpu = m.mmu().cpu(0);
        UserMemory um = m.kernel().memory();
        Mm mm = um.mmAlloc(cpu);
        Task t = m.scheduler().createUserTask("procdemo", mm);
        m.scheduler().contextSwitch(cpu, t);
        long page = 1L << m.pageShift();
        long addr = um.mmap().vmMmapPgoff(cpu, mm, A, 3 * page, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED | Mman.MAP_POPULATE, null, 0);
        assertThat(addr).isEqualTo(A);
        return t;
    }

    @ParameterizedTest
    @MethodSource("machines")
    void aTasksMapsAndSmapsByPidAndSelf(String arch) {
        Machine m = boot(arch);
        ProcFs proc = new ProcFs(m);
        Task t = spawn(m);
        String line = "10000000-10003000 rw-p 00000000 00:00 0 \n";
        assertThat(proc.exists(t.pid() + "/maps")).isTrue();
        assertThat(proc.read(t.pid() + "/maps")).isEqualTo(line);
        assertThat(proc.read("self/maps")).as("CPU 0 runs the task").isEqualTo(line);
        String smaps = proc.read(t.pid() + "/smaps");
        assertThat(smaps).startsWith(line + "Size:                 12 kB\n")
                .contains("\nRss:                  12 kB\n", "\nPss:                  12 kB\n", "\nAnonymous:            12 kB\n")
                .endsWith("VmFlags: rd wr mr mw me ac \n");
        assertThat(proc.read("self/smaps")).isEqualTo(smaps);

        Task child = m.scheduler().fork(m.mmu().cpu(0));
        assertThat(proc.read(child.pid() + "/maps")).as("dup_mm copies the VMA").isEqualTo(line);
        assertThat(proc.read(child.pid() + "/smaps")).as("each page mapped twice: Pss halves")
                .contains("\nPss:                   6 kB\n", "\nShared_Dirty:         12 kB\n");
        assertThat(proc.read("self/smaps")).as("self stays the parent, CPU 0's task").contains("\nPss:                   6 kB\n");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void noTaskNoFileAndAnExitedTaskLeavesNone(String arch) {
        Machine m = boot(arch);
        ProcFs proc = new ProcFs(m);
        assertThat(proc.exists("self/maps")).as("CPU 0 runs its idle task after boot: no pid of its own").isFalse();
        assertThatThrownBy(() -> proc.read("self/maps")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("/proc/self/maps: No such file or directory");
        assertThat(proc.exists("4242/smaps")).isFalse();
        assertThatThrownBy(() -> proc.read("4242/smaps")).hasMessageStartingWith("/proc/4242/smaps: No such file or directory");

        Task t = spawn(m);
        int pid = t.pid();
        m.scheduler().doExit(m.mmu().cpu(0), 0);
        assertThat(proc.exists(pid + "/maps")).as("do_exit unhashes the pid").isFalse();
        assertThatThrownBy(() -> proc.read(pid + "/maps")).hasMessageStartingWith("/proc/" + pid + "/maps: No such file or directory");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void aKernelThreadHasTheFilesButThemEmpty(String arch) {
        ProcFs proc = new ProcFs(boot(arch));
        // pid 1 (kernel_init before exec) and 2 (kthreadd) have no mm: proc_mem_open's NULL mm, m_start shows nothing
        for (String name : new String[] {"1/maps", "1/smaps", "2/maps", "2/smaps"}) {
            assertThat(proc.exists(name)).as(name).isTrue();
            assertThat(proc.read(name)).as(name).isEmpty();
        }
    }

    @Test
    void pidFileNames() {
        assertThat(ProcFs.pidFileNames()).containsExactly("maps", "smaps");
        for (String yes : new String[] {"1/maps", "self/smaps", "123456789/maps"}) {
            assertThat(ProcFs.isPidFile(yes)).as(yes).isTrue();
            assertThat(ProcFs.isName(yes)).as(yes).isTrue();
        }
        for (String no : new String[] {"0/maps", "01/maps", "1/status", "x/maps", "/maps", "1/", "1234567890/maps", "-1/maps",
                "self/", "maps", "meminfo/maps"}) {
            assertThat(ProcFs.isPidFile(no)).as(no).isFalse();
        }
        assertThat(ProcFs.isName("meminfo")).isTrue();
        assertThat(ProcFs.isName("swaps")).isFalse();
        assertThat(ProcFs.names()).as("the fixed files only").doesNotContain("maps", "smaps");
    }
}
