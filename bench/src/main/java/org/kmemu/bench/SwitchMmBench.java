package org.kmemu.bench;

import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Scheduler;
import org.kmemu.core.sched.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A context switch between two user tasks with different mms, then one load from the task's own page,
 * x86_64 next to e500 (the peer): x86's switch writes CR3 and flushes every non-global entry, so the load
 * walks the tables again; e500's switch only loads PID, and the load hits the entry its TID kept. The
 * load alone (no switch) is the floor.
 */
@State(Scope.Thread)
public class SwitchMmBench extends BenchBase {
    private static final long UADDR = 0x10000000L;

    /** The architecture. */
    @Param({"x86_64", "booke"})
    public String arch;

    private Scheduler sched;
    private Cpu cpu;
    private Task a;
    private Task b;
    private boolean onA;

    /** Boots a 1 GiB machine and makes two tasks, each with its own mm and one user page. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot(arch);
        cpu = m.mmu().cpu(0);
        sched = m.scheduler();
        UserPageTables upt = new UserPageTables(m.memory(), m.mmu().format(), m.kernel().pages(), m.pageShift());
        a = sched.createUserTask("a", userMm(m, upt, 1));
        b = sched.createUserTask("b", userMm(m, upt, 2));
        sched.contextSwitch(cpu, a);
        onA = true;
        cpu.setUserMode(true);
        if (cpu.load32(UADDR) != 1) {
            throw new IllegalStateException("task a does not see its page");
        }
    }

    private Mm userMm(Machine m, UserPageTables upt, int value) {
        Mm mm = Mm.alloc(cpu, m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()), m.log());
        long pfn = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0);
        m.memory().writeInt(pfn << m.pageShift(), value);
        upt.writePte(upt.ptep(cpu, mm, UADDR, true),
                upt.mkPte(pfn, PteFlags.PRESENT | PteFlags.USER | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.DIRTY));
        return mm;
    }

    /** @return the value the next task reads from its own page right after the switch */
    @Benchmark
    public int switchThenLoad() {
        onA = !onA;
        sched.contextSwitch(cpu, onA ? a : b);
        return cpu.load32(UADDR);
    }

    /** @return the value: the same load with no switch, a TLB hit on both architectures */
    @Benchmark
    public int loadOnly() {
        return cpu.load32(UADDR);
    }
}
