package org.kmemu.core.mm.memory;

import org.kmemu.core.mmu.Cpu;

/**
 * The machine's {@code vm_event_states} (include/linux/vm_event_item.h, mm/vmstat.c) for what the fault
 * path counts: {@link #PGFAULT} and {@link #PGMAJFAULT}, as /proc/vmstat prints them. Per-CPU counters
 * as in the kernel ({@code count_vm_event} is a {@code this_cpu_inc}): each CPU's thread adds to its own
 * slot, padded to its own cache line, so a count costs one plain store; {@link #sum} adds the CPUs up
 * ({@code all_vm_events}) and may miss increments still in flight, as the kernel's read does.
 */
public final class VmEvents {
    /** {@code PGFAULT}: every fault handle_mm_fault finished (successful or failed), retries excluded. */
    public static final int PGFAULT = 0;
    /** {@code PGMAJFAULT}: faults that needed I/O. */
    public static final int PGMAJFAULT = 1;
    /** How many events. */
    public static final int NR_VM_EVENT_ITEMS = 2;
    private static final String[] NAMES = {"pgfault", "pgmajfault"};
    /** longs per CPU: a 128-byte stride keeps two CPUs' counters off one cache line (and its neighbour). */
    private static final int STRIDE = 16;

    private final long[] counts;

    /** @param nrCpus how many CPUs count */
    public VmEvents(int nrCpus) {
        this.counts = new long[(nrCpus + 1) * STRIDE];
    }

    /**
     * {@code count_vm_event(item)}: one more on the calling CPU.
     *
     * @param cpu  the calling CPU (only its thread writes its slot)
     * @param item {@link #PGFAULT} or {@link #PGMAJFAULT}
     */
    public void count(Cpu cpu, int item) {
        counts[(cpu.id() + 1) * STRIDE + item]++;
    }

    /**
     * @param item an event
     * @return its count over every CPU ({@code sum_vm_event})
     */
    public long sum(int item) {
        long s = 0;
        for (int i = STRIDE + item; i < counts.length; i += STRIDE) {
            s += counts[i];
        }
        return s;
    }

    /** @param item an event @return its /proc/vmstat name */
    public static String name(int item) {
        return NAMES[item];
    }
}
