package org.kmemu.core.workload.synthetic;

/**
 * A distribution of positive whole numbers (sizes in bytes, lifetimes in events) given by its
 * quantile function: {@link #at(double)} maps u in [0, 1) to the value with that share of the
 * distribution below it. Sampling is {@code at(random.nextDouble())}; a call site's band of the
 * distribution is {@code at((site + r) / sites)} (see {@link SyntheticStream}).
 *
 * <p>Implementations are immutable and allocate nothing in {@link #at}; they use {@link StrictMath}
 * so that the same u gives the same value on every JVM.
 */
public interface Distribution {
    /**
     * @param u a quantile in [0, 1)
     * @return the value at that quantile, 1 or more
     */
    long at(double u);

    /** @return the distribution's settings, for messages and tests */
    String describe();
}
