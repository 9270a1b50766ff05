package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.TestMachines;

/** /proc/vmstat's fault counts and meminfo's AnonPages follow a task's anonymous faults and its munmap. */
class VmStatTest {

    private static Map<String, Long> vmstat(Machine m) {
        Map<String, Long> v = new LinkedHashMap<>();
        for (String line : new ProcFs(m).read("vmstat").split("\n")) {
            String[] f = line.split(" ");
            v.put(f[0], Long.parseLong(f[1]));
        }
        return v;
    }

    private static long meminfoKb(Machine m, String field) {
        for (String line : new ProcFs(m).read("meminfo").split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        throw new AssertionError(field + " not in meminfo");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void faultsAndAnonPagesAreCounted(String arch) {
        Machine m = arch.equals("x86_64") ? TestMachines.x86_64(64L << 20) : TestMachines.i386(64L << 20);
        Cpu cpu = m.mmu().cpu(0);
        UserMemory um = m.kernel().memory();
        Map<String, Long> before = vmstat(m);
        assertThat(before.keySet()).containsExactly("nr_free_pages", "nr_anon_pages", "nr_mapped", "nr_file_pages",
                "nr_dirty", "nr_writeback", "pgfault", "pgmajfault");
        assertThat(meminfoKb(m, "AnonPages")).isZero();

        Mm mm = um.mmAlloc(cpu);
        Task t = m.scheduler().createUserTask("counter", mm);
        m.scheduler().contextSwitch(cpu, t);
        long a = um.mmap().vmMmapPgoff(cpu, mm, 0, 8 * 4096, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).isPositive();
        cpu.setUserMode(true);
        for (int i = 0; i < 8; i++) {
            cpu.store32(a + i * 4096L, i); // 8 write faults on fresh anonymous pages
        }
        cpu.load32(a); // a TLB hit: no fault
        cpu.setUserMode(false);
        Map<String, Long> after = vmstat(m);
        assertThat(after.get("pgfault") - before.get("pgfault")).isEqualTo(8);
        assertThat(after.get("pgmajfault")).isEqualTo(before.get("pgmajfault"));
        assertThat(after.get("nr_anon_pages")).isEqualTo(8);
        assertThat(meminfoKb(m, "AnonPages")).isEqualTo(32);

        assertThat(um.mmap().vmMunmap(cpu, mm, a, 8 * 4096)).isZero();
        assertThat(vmstat(m).get("nr_anon_pages")).isZero();
        assertThat(meminfoKb(m, "AnonPages")).isZero();
        m.scheduler().doExit(cpu, 0);
    }
}
