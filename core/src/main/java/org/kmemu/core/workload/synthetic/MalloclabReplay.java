package org.kmemu.core.workload.synthetic;

import java.util.Map;
import java.util.SplittableRandom;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.workload.Touch;

/**
 * One replay of a {@link MalloclabTrace} as kmalloc and kfree: {@code a} is a kmalloc, {@code f} a
 * kfree of what the id's kmalloc returned, {@code r} a kfree and a kmalloc of the new size (a failed
 * allocation leaves the id holding NULL, whose kfree the kernel ignores; so the calls are the same
 * count on every machine). Blocks still allocated at the end stay allocated.
 */
final class MalloclabReplay implements WorkloadRun {
    static final String ALLOC_SITE = "malloclab_malloc+0x0";
    static final String FREE_SITE = "malloclab_free+0x0";
    static final String REALLOC_SITE = "malloclab_realloc+0x0";
    private static final int ADVANCE_EVERY = 4096;

    private final MalloclabTrace trace;
    private final long seed;
    private final CpuChoice cpuChoice;
    private final int gfp;
    private final boolean touch;

    MalloclabReplay(MalloclabTrace trace, long seed, CpuChoice cpuChoice, int gfp, boolean touch) {
        this.trace = trace;
        this.seed = seed;
        this.cpuChoice = cpuChoice;
        this.gfp = gfp;
        this.touch = touch;
    }

    private void touch(KernelCalls kernel, int cpu, long p, long bytes) {
        if (touch && p != 0) {
            Touch.object(kernel, cpu, p, bytes);
        }
    }

    @Override
    public long plannedEvents() {
        return trace.calls;
    }

    @Override
    public WorkloadReport run(KernelCalls kernel) {
        SplittableRandom random = new SplittableRandom(seed);
        int cpus = kernel.cpus();
        long[] ptrOf = new long[trace.ids];
        long calls = 0;
        long failed = 0;
        int nextCpu = 0;
        long sinceAdvance = 0;
        for (int i = 0; i < trace.length(); i++) {
            int cpu;
            if (cpuChoice == CpuChoice.RANDOM) {
                cpu = random.nextInt(cpus);
            } else {
                cpu = nextCpu;
                nextCpu = nextCpu + 1 == cpus ? 0 : nextCpu + 1;
            }
            int id = trace.id[i];
            switch (trace.op[i]) {
                case MalloclabTrace.ALLOC -> {
                    ptrOf[id] = kernel.kmalloc(cpu, trace.size[i], gfp, ALLOC_SITE);
                    failed += ptrOf[id] == 0 ? 1 : 0;
                    touch(kernel, cpu, ptrOf[id], trace.size[i]);
                    calls++;
                    sinceAdvance++;
                }
                case MalloclabTrace.FREE -> {
                    kernel.kfree(cpu, ptrOf[id], FREE_SITE);
                    ptrOf[id] = 0;
                    calls++;
                    sinceAdvance++;
                }
                default -> {
                    kernel.kfree(cpu, ptrOf[id], REALLOC_SITE);
                    ptrOf[id] = kernel.kmalloc(cpu, trace.size[i], gfp, REALLOC_SITE);
                    failed += ptrOf[id] == 0 ? 1 : 0;
                    touch(kernel, cpu, ptrOf[id], trace.size[i]);
                    calls += 2;
                    sinceAdvance += 2;
                }
            }
            if (sinceAdvance >= ADVANCE_EVERY) {
                kernel.advance(sinceAdvance);
                sinceAdvance = 0;
            }
        }
        if (sinceAdvance > 0) {
            kernel.advance(sinceAdvance);
        }
        long live = 0;
        for (long p : ptrOf) {
            live += p != 0 ? 1 : 0;
        }
        return new WorkloadReport(calls, Map.of("operations", (long) trace.length(), "failed_allocs", failed, "live_at_end", live));
    }
}
