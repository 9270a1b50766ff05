package org.kmemu.core.machine;

import org.kmemu.api.PageAllocatorEvents;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.Tracepoints;

/**
 * The host's {@link PageAllocatorEvents}: turns what the page allocator policy reports into the
 * machine's kmem tracepoints, with the fields a tracepoint's entry header needs (the CPU's clock and
 * current task) and the {@code struct page} address the kernel's event prints.
 *
 * <p>The policy gets this sink at boot, before the kernel services and their tracepoints exist;
 * {@link #connect} wires it when the page API comes up. Until then (boot's own allocations, which no
 * probe could watch anyway) events are dropped. With no probe attached an event costs a volatile read
 * and {@link Tracepoints#active()}, as the kernel's tracepoint is a static key.
 */
final class AllocatorEvents implements PageAllocatorEvents {
    private final long memmapVirt;
    private final int structPageBytes;
    private volatile Target target;

    /** The tracepoints and the CPUs whose clocks and current tasks stamp the events. */
    private record Target(Tracepoints trace, Mmu mmu) {
    }

    /**
     * @param memmapVirt      the virtual address of mem_map
     * @param structPageBytes sizeof(struct page)
     */
    AllocatorEvents(long memmapVirt, int structPageBytes) {
        this.memmapVirt = memmapVirt;
        this.structPageBytes = structPageBytes;
    }

    /**
     * @param tracepoints where the events go from now on
     * @param mmu         the machine's MMU, for its CPUs
     */
    void connect(Tracepoints tracepoints, Mmu mmu) {
        this.target = new Target(tracepoints, mmu);
    }

    @Override
    public void mmPageAllocExtfrag(int cpu, long pfn, int allocOrder, int fallbackOrder, int pageblockOrder,
                                   int allocMigratetype, int fallbackMigratetype, boolean changeOwnership) {
        Target to = target;
        if (to == null || !to.trace().active()) {
            return;
        }
        Tracepoints t = to.trace();
        Cpu c = to.mmu().cpu(cpu);
        Task current = c.current();
        t.mmPageAllocExtfrag(cpu, c.clockNanos(), current.comm(), current.pid(), memmapVirt + pfn * structPageBytes, pfn,
                allocOrder, fallbackOrder, pageblockOrder, allocMigratetype, fallbackMigratetype, changeOwnership);
    }
}
