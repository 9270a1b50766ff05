package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Gfp;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * Who is running and when, with the real plugin jars and the shipped machines: the trace's TASK-PID
 * and CPU come from the CPU's current task, its TIMESTAMP from that CPU's clock as core's reference.conf
 * (or a -D override) prices the operations, boot stays at 0, and a run is the same byte for byte.
 */
class TasksAndClockTest {

    static Stream<Arguments> machines() {
        return Stream.of(Arguments.of("x86_64", "slub"), Arguments.of("i386-highmem", "slab"),
                Arguments.of("i386-pae", "slob"), Arguments.of("booke-e500", "slub"));
    }

    private static Machine boot(String config, String policy, Map<String, String> more) {
        Map<String, String> d = new java.util.HashMap<>(more);
        d.put("kmemu.machine.object-allocator", policy);
        return Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), d, Launcher.DIST.resolve("plugins"));
    }

    /** kmallocs and kfrees on CPU 1 as a kernel thread; the trace and the log as text. */
    private static String run(Machine m) {
        m.kernel().trace().setEnabled(true);
        Cpu cpu = m.mmu().cpu(1);
        Task k = m.scheduler().kthreadCreate("kworker/1:0");
        m.scheduler().contextSwitch(cpu, k);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            long p = m.kernel().slab().kmalloc(cpu, 24 + 40 * (i % 9), Gfp.GFP_KERNEL, "c0ffee00");
            cpu.store32(p, i);
            live.add(p);
        }
        for (long p : live) {
            m.kernel().slab().kfree(cpu, p, "c0ffee01");
        }
        StringBuilder out = new StringBuilder(m.kernel().trace().render());
        for (KernelLogBuffer.Line l : m.log().lines()) {
            out.append(l.format()).append('\n');
        }
        return out.toString();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void traceCarriesTheCurrentTaskAndItsCpusClockAndRunsRepeatByteForByte(String config, String policy) {
        Machine m = boot(config, policy, Map.of());
        assertThat(m.log().lines()).allSatisfy(l -> assertThat(l.format()).startsWith("[    0.000000] "));
        String text = run(m);
        Cpu cpu = m.mmu().cpu(1);
        List<String> events = m.kernel().trace().events();
        // The kmallocs and kfrees, and the slab pages they took and gave back (mm_page_alloc/free).
        assertThat(events).allSatisfy(e -> assertThat(e).startsWith("     kworker/1:0-3     [001] .... "));
        assertThat(events).filteredOn(e -> e.contains(": kmalloc: ")).hasSize(64);
        assertThat(events).filteredOn(e -> e.contains(": kfree: ")).hasSize(64);
        long last = -1;
        for (String e : events) {
            long ts = stamp(e);
            assertThat(ts).as(e).isGreaterThanOrEqualTo(last);   // microseconds: neighbours may tie
            last = ts;
        }
        long now = cpu.clockNanos();
        assertThat(last).isEqualTo(now / 1000).isPositive();
        // 64 kmallocs and 64 kfrees at reference.conf's 40ns and 30ns, plus TLB hits and misses and slab pages.
        assertThat(now).isGreaterThanOrEqualTo(64 * 40 + 64 * 30);
        assertThat(m.mmu().cpu(0).clockNanos()).isZero();
        assertThat(run(boot(config, policy, Map.of()))).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void theClockCostsComeFromTheConfig(String config, String policy) {
        Machine m = boot(config, policy, Map.of("kmemu.clock.slab-alloc", "1ms", "kmemu.clock.slab-free", "0"));
        run(m);
        long now = m.mmu().cpu(1).clockNanos();
        assertThat(now).isBetween(64_000_000L, 65_000_000L);
        List<String> kmallocs = m.kernel().trace().events().stream().filter(e -> e.contains(": kmalloc: ")).toList();
        assertThat(kmallocs.get(0)).contains("    0.001");
        assertThat(kmallocs.get(63)).contains("    0.064");
    }

    /** The TIMESTAMP field in microseconds. */
    private static long stamp(String event) {
        int colon = event.indexOf(": ");
        String ts = event.substring(event.lastIndexOf(' ', colon - 1) + 1, colon);
        int dot = ts.indexOf('.');
        return Long.parseLong(ts.substring(0, dot)) * 1_000_000L + Long.parseLong(ts.substring(dot + 1));
    }
}
