package org.kmemu.tck;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelMemory;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabPages;

/**
 * A {@link PerCpuOwnership} for plugin tests that records every check instead of enforcing the rule,
 * so a test can require that a policy checks the CPU it is passed before it touches that CPU's
 * structures (and that cross-CPU work asks for quiescence). Hand it to the policy through a context
 * whose {@code perCpu()} returns it. Thread-safe.
 */
public final class PerCpuRecorder implements PerCpuOwnership {

    /**
     * One check.
     *
     * @param quiescent whether it was {@link #checkQuiescent} rather than {@link #check}
     * @param cpu       the CPU named
     * @param function  the kernel function named
     * @param structure the structure named
     * @param thread    the thread that asked
     */
    public record Call(boolean quiescent, int cpu, String function, String structure, Thread thread) {
    }

    private final List<Call> calls = new ArrayList<>();

    @Override
    public synchronized void check(int cpu, String function, String structure) {
        calls.add(new Call(false, cpu, function, structure, Thread.currentThread()));
    }

    @Override
    public synchronized void checkQuiescent(int cpu, String function, String structure) {
        calls.add(new Call(true, cpu, function, structure, Thread.currentThread()));
    }

    /** @return the checks so far, oldest first */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Forgets the checks so far. */
    public synchronized void clear() {
        calls.clear();
    }

    /**
     * @param base a slab policy's context, e.g. {@link SlabFixtures}
     * @return the same context, with this recorder as its {@code perCpu()}
     */
    public SlabContext over(SlabContext base) {
        PerCpuRecorder self = this;
        return new SlabContext() {
            @Override
            public ConfigView config() {
                return base.config();
            }

            @Override
            public int cpus() {
                return base.cpus();
            }

            @Override
            public int pageShift() {
                return base.pageShift();
            }

            @Override
            public int cacheLineBytes() {
                return base.cacheLineBytes();
            }

            @Override
            public int pointerBytes() {
                return base.pointerBytes();
            }

            @Override
            public SlabPages pages() {
                return base.pages();
            }

            @Override
            public KernelMemory memory() {
                return base.memory();
            }

            @Override
            public KernelLog log() {
                return base.log();
            }

            @Override
            public PerCpuOwnership perCpu() {
                return self;
            }
        };
    }
}
