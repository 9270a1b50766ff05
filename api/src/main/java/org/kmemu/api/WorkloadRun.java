package org.kmemu.api;

/**
 * One run of a {@link Workload}: its calls, made on a booted machine through {@link KernelCalls}.
 *
 * <p><b>Caller and thread.</b> The host calls {@link #plannedEvents()} before the run and
 * {@link #run} once, on one thread, which is the thread of every CPU of the machine for the run (per-CPU
 * state is never touched by another thread meanwhile). <b>Failure.</b> A failed allocation is an
 * answer, not an error: the run counts it and goes on. A {@link RuntimeException} from {@link #run}
 * ends that run as failed (the experiment records the message and goes on with the other runs);
 * a kernel report ({@link KernelOopsException}) is kept with the run's output.
 *
 * @since 1.2
 */
public interface WorkloadRun {

    /** @return how many events {@link #run} will issue, for the progress bar; -1 when not known */
    long plannedEvents();

    /**
     * Issues the calls. Calls {@link KernelCalls#advance} as events complete (at least every few
     * thousand events), so that the host samples its metrics over the workload's time and shows
     * progress. Leaves allocated what the workload leaves allocated: the host measures the final state,
     * then tears the machine down.
     *
     * @param kernel the machine's kernel calls
     * @return what was issued and what could not be placed
     */
    WorkloadReport run(KernelCalls kernel);
}
