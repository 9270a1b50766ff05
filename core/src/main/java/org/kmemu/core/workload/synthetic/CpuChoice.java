package org.kmemu.core.workload.synthetic;

/** How a synthetic stream picks the CPU of each call: the {@code cpu} setting. */
public enum CpuChoice {
    /** CPU 0, 1, ..., cpus - 1, 0, ... in call order. */
    ROUND_ROBIN,
    /** A CPU drawn from the run's seeded random stream for each call. */
    RANDOM
}
