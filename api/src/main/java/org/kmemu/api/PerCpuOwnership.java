package org.kmemu.api;

/**
 * The debug check that a per-CPU structure is touched only by its CPU: kmemu's counterpart of the
 * kernel's {@code CONFIG_DEBUG_PREEMPT} check on {@code smp_processor_id()} and {@code this_cpu_*()}
 * (lib/smp_processor_id.c, {@code check_preemption_disabled}).
 *
 * <h2>Why</h2>
 * In kmemu a Java thread acts as a CPU: it passes that CPU's number to every call, and the structures
 * that belong to the CPU (the page allocator's per-CPU lists, SLUB's CPU slabs, SLAB's array caches,
 * the kmap_local slots, the TLB) are used without a lock, as the kernel uses them with preemption off.
 * A call that passes another CPU's number from a thread that is not that CPU hands both threads the
 * same unlocked list: pages given out twice, lists corrupted. This check makes that fail at once.
 *
 * <h2>The ownership rule</h2>
 * <ul>
 *   <li>While the machine boots (single-threaded, the kernel's {@code system_state < SYSTEM_SCHEDULING},
 *       where the kernel skips the check too) nothing is checked and no CPU gets an owner.</li>
 *   <li>Afterwards the first thread that touches a CPU's structures owns that CPU. A thread may own
 *       several CPUs (one thread driving CPUs in turn is fine); a CPU has at most one owner.</li>
 *   <li>Another thread touching the CPU while its owner is alive is the bug: the kernel log gets the
 *       report and the caller a {@link PerCpuAccessException}.</li>
 *   <li>When the owner has ended, the next thread to touch the CPU takes it over (tests join their
 *       worker threads, then drain and count from the main thread). An owner can also give a CPU up
 *       explicitly (the core's machine offers that), so that a live thread can hand it on.</li>
 * </ul>
 * Operations that reach into every CPU's structures at once, as the kernel does by running work on
 * each CPU (drain_all_pages), call {@link #checkQuiescent} instead: it passes if no other live thread
 * owns the CPU, and claims nothing. Operations that take the per-CPU structure's own lock (SLUB's
 * flush_all, SLAB's drain_cpu_caches in kmemu) are correct from any thread and are not checked.
 *
 * <h2>Cost</h2>
 * Callers test {@link #CHECKS} first, a {@code static final} read once from the system property
 * {@value #PROPERTY}: when it is off (the default) the JIT removes the call. When it is on, a check by
 * the owner costs a thread-identity compare. The build turns it on for every test run.
 *
 * <p>The core implements this and hands it to plugins on {@link PageAllocatorContext#perCpu()} and
 * {@link SlabContext#perCpu()}. Thread-safe.
 *
 * <p><b>Who calls it.</b> Plugins, at the top of every per-CPU operation, on the calling CPU's thread.
 * <b>Failure.</b> {@link PerCpuAccessException} after the kernel's report; the plugin lets it propagate.
 *
 * @since 1.0
 */
@HostProvided
public interface PerCpuOwnership {

    /** The system property that turns the checks on ({@code -Dkmemu.debug.percpu=true}). */
    String PROPERTY = "kmemu.debug.percpu";

    /** Whether callers check at all: {@link #PROPERTY}, read once when this interface is first used. */
    boolean CHECKS = Boolean.getBoolean(PROPERTY);

    /** Checks nothing: what a context returns when the machine behind it keeps no owners. */
    PerCpuOwnership UNCHECKED = new PerCpuOwnership() {
        @Override
        public void check(int cpu, String function, String structure) {
        }

        @Override
        public void checkQuiescent(int cpu, String function, String structure) {
        }
    };

    /**
     * The calling thread is about to use CPU {@code cpu}'s {@code structure} as that CPU: passes if the
     * thread owns the CPU, claims it if nobody (alive) does, and otherwise reports the bug. Call it only
     * when {@link #CHECKS} is on.
     *
     * @param cpu       the CPU whose structure is touched
     * @param function  the kernel function doing it, for the report, e.g. {@code "rmqueue_pcplist"}
     * @param structure the per-CPU structure, for the report, e.g. {@code "per_cpu_pages"}
     * @throws PerCpuAccessException if another live thread owns the CPU (after printing the report)
     */
    void check(int cpu, String function, String structure);

    /**
     * The calling thread is about to touch CPU {@code cpu}'s {@code structure} from outside, which is
     * right only while that CPU is quiescent (drain_all_pages and the like): passes if no other live
     * thread owns the CPU, claims nothing. Call it only when {@link #CHECKS} is on.
     *
     * @param cpu       the CPU whose structure is touched
     * @param function  the kernel function doing it, for the report
     * @param structure the per-CPU structure, for the report
     * @throws PerCpuAccessException if another live thread owns the CPU (after printing the report)
     */
    void checkQuiescent(int cpu, String function, String structure);
}
