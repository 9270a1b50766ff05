package org.kmemu.core.sched;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.TraceBuffer;

/** Each CPU's clock: what advances it, and the log and trace time stamps and tasks that come from it. */
class ClockTest {
    private final Machine m = TestMachines.i386(1L << 30);
    private final Cpu cpu0 = m.mmu().cpu(0);
    private final Cpu cpu1 = m.mmu().cpu(1);

    @Test
    void bootIsNotTimedAndEveryClockStartsAtZero() {
        assertThat(m.log().lines()).isNotEmpty().allSatisfy(l -> assertThat(l.nanos()).isZero());
        assertThat(m.log().lines().get(0).format()).startsWith("[    0.000000] ");
        assertThat(cpu0.clockNanos()).isZero();
        assertThat(cpu1.clockNanos()).isZero();
    }

    @Test
    void tlbHitsAndMissesAndServiceCallsAdvanceOnlyTheirCpusClock() {
        long v = m.layout().va(32L << 20);
        cpu0.load32(v);                                    // a miss: walk
        assertThat(cpu0.clockNanos()).isEqualTo(30);
        cpu0.load32(v + 8);                                // a hit
        assertThat(cpu0.clockNanos()).isEqualTo(31);
        long pfn = m.kernel().pages().allocPages(cpu0, Gfp.GFP_KERNEL, 0);
        assertThat(cpu0.clockNanos()).isEqualTo(31 + 150);
        m.kernel().pages().freePages(cpu0, pfn, 0);
        assertThat(cpu0.clockNanos()).isEqualTo(31 + 150 + 100);
        assertThat(cpu1.clockNanos()).isZero();
        cpu1.charge(5);
        assertThat(cpu1.clockNanos()).isEqualTo(5);
    }

    @Test
    void traceEventsCarryTheCpusClockAndCurrentTask() {
        TraceBuffer trace = m.kernel().trace();
        trace.setEnabled(true);
        Task k = m.scheduler().kthreadCreate("kworker/1:1");
        m.scheduler().contextSwitch(cpu1, k);
        cpu1.charge(1_234_567_000L);
        long p = m.kernel().slab().kmalloc(cpu1, 100, Gfp.GFP_KERNEL, "c1000000");
        long at = cpu1.clockNanos();
        m.kernel().slab().kfree(cpu0, m.kernel().slab().kmalloc(cpu0, 8, Gfp.GFP_KERNEL, "c1000001"), "c1000002");
        List<String> events = trace.events();
        String kmalloc = events.stream().filter(e -> e.contains("call_site=c1000000")).findFirst().orElseThrow();
        assertThat(at).isGreaterThan(1_234_567_000L);
        assertThat(kmalloc).startsWith(String.format("     kworker/1:1-%-5d [001] .... %5d.%06d: kmalloc: ", k.pid(),
                at / 1_000_000_000L, at / 1000 % 1_000_000));
        assertThat(events).anySatisfy(e -> assertThat(e).startsWith("       swapper/0-0     [000] ....     0.000")
                .contains("kfree: call_site=c1000002"));
        // ftrace merges the CPUs' buffers by time stamp: CPU 0's early events come first.
        assertThat(events.get(events.size() - 1)).isEqualTo(kmalloc);
        m.kernel().slab().kfree(cpu1, p, "c1000003");
    }

    @Test
    void reportsNameTheCurrentTaskAndCarryThePrintingCpusTime() {
        Task k = m.scheduler().kthreadCreate("kworker/1:2");
        m.scheduler().contextSwitch(cpu1, k);
        cpu1.charge(2_000_000_000L);
        m.kernel().slab().kfree(cpu1, m.layout().va(40L << 20) + 16, "c1000004");
        KernelLogBuffer.Line warn = m.log().lines().stream().filter(l -> l.text().startsWith("WARNING: CPU: 1")).findFirst()
                .orElseThrow();
        assertThat(warn.text()).startsWith("WARNING: CPU: 1 PID: " + k.pid() + " at mm/slub.c free_large_kmalloc");
        assertThat(warn.nanos()).isEqualTo(cpu1.clockNanos());
        assertThat(warn.format()).startsWith("[    2.000000] WARNING: CPU: 1 PID: 3 ");
        assertThat(m.log().currentComm(1)).isEqualTo("kworker/1:2");
        assertThat(m.log().currentPid(1)).isEqualTo(3);
        assertThat(m.log().currentComm(0)).isEqualTo("swapper/0");

        assertThat(m.kernel().vmalloc().vmallocGfp(cpu1, 1L << 40, Gfp.GFP_KERNEL, null)).isZero();
        KernelLogBuffer.Line vmalloc = m.log().lines().get(m.log().lines().size() - 1);
        assertThat(vmalloc.text()).startsWith("kworker/1:2: vmalloc error: size 1099511627776, exceeds total pages");
        assertThat(vmalloc.nanos()).isEqualTo(cpu1.clockNanos());
    }

    @Test
    void mightSleepReportsAtMostOnceASecondOfTheClock() {
        Task k = m.scheduler().kthreadCreate("kmapper");
        m.scheduler().contextSwitch(cpu0, k);
        long highPfn = m.kernel().pages().allocPages(cpu0, Gfp.GFP_HIGHUSER, 0);
        cpu0.preemptDisable();
        m.kernel().highmem().kmap(cpu0, highPfn);
        m.kernel().highmem().kunmap(cpu0, highPfn);
        m.kernel().highmem().kmap(cpu0, highPfn);
        m.kernel().highmem().kunmap(cpu0, highPfn);
        assertThat(reports()).hasSize(1);
        assertThat(m.log().texts()).contains("in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 3, name: kmapper");
        cpu0.charge(1_000_000_000L);
        m.kernel().highmem().kmap(cpu0, highPfn);
        m.kernel().highmem().kunmap(cpu0, highPfn);
        assertThat(reports()).hasSize(2);
        cpu0.preemptEnable();
    }

    private List<String> reports() {
        List<String> out = new ArrayList<>();
        for (String t : m.log().texts()) {
            if (t.startsWith("BUG: sleeping function called from invalid context")) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    void sameOperationsGiveTheSameTimeStampsByteForByte() {
        assertThat(run()).isEqualTo(run()).contains("kmalloc:");
    }

    private static String run() {
        Machine machine = TestMachines.i386(1L << 30);
        Cpu c = machine.mmu().cpu(0);
        machine.kernel().trace().setEnabled(true);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long p = machine.kernel().slab().kmalloc(c, 16 + 8 * (i % 50), Gfp.GFP_KERNEL, "c10000aa");
            c.store32(p, i);
            live.add(p);
            if (i % 3 == 0) {
                machine.kernel().slab().kfree(c, live.remove(0), "c10000bb");
            }
        }
        StringBuilder out = new StringBuilder(machine.kernel().trace().render());
        for (KernelLogBuffer.Line l : machine.log().lines()) {
            out.append(l.format()).append('\n');
        }
        return out.toString();
    }
}
