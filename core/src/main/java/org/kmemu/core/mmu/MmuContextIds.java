package org.kmemu.core.mmu;

import java.util.BitSet;
import org.kmemu.core.trace.TlbFlushReason;

/**
 * The context ids of a TLB whose entries are tagged (e500's PID/TID), handed out as
 * arch/powerpc/mm/nohash/mmu_context.c does:
 *
 * <ul>
 *   <li>An mm gets an id the first time a CPU switches to it ({@code switch_mmu_context}): the next free
 *       one at or after {@code next_context}, round robin over {@code FIRST_CONTEXT..LAST_CONTEXT}
 *       (1..255 on e500; 0 is {@code init_mm}'s, the kernel's TID that matches every PID).</li>
 *   <li>When none is free, one is stolen from the mm that has it, from {@code next_context} on. With one
 *       CPU ({@code steal_context_up}) the victim's entries are flushed from this CPU's TLB at once. With
 *       several ({@code steal_context_smp}) an id whose mm runs on some CPU ({@code context.active}) is
 *       skipped, and the id is marked stale on every CPU in the victim's {@code mm_cpumask}: such a CPU
 *       flushes that id's entries the next time it loads it, before the new owner can hit them.</li>
 *   <li>{@code destroy_context} returns the id to the pool; the entries tagged with it were flushed by
 *       exit_mmap's {@code flush_tlb_mm} before.</li>
 * </ul>
 *
 * A context flush ({@code _tlbil_pid}) removes only that id's entries on cores with {@code tlbilx} and
 * flash-invalidates TLB0 on e500v1/v2 ({@link org.kmemu.api.TlbModel#flushContextOnly()}).
 *
 * <p>Thread-safety: every method holds this object's monitor ({@code context_lock}); CPUs call it from
 * their own threads, and the flushes it makes are the calling CPU's only.
 */
final class MmuContextIds {
    /** FIRST_CONTEXT (mmu_context.c). */
    static final int FIRST_CONTEXT = 1;

    private final int lastContext;
    private final MmuContext[] contextMm;
    private final BitSet contextMap = new BitSet();
    private final BitSet[] staleMap;
    private final boolean smp;
    private int nextContext = FIRST_CONTEXT;
    private int nrFreeContexts;
    private long steals;

    /**
     * {@code mmu_context_init}.
     *
     * @param lastContext LAST_CONTEXT
     * @param nrCpus      the CPUs; more than one makes stealing the SMP kind
     */
    MmuContextIds(int lastContext, int nrCpus) {
        if (lastContext < nrCpus) {
            // steal_context_smp never finds a victim when every id's mm is running: the kernel would spin.
            throw new IllegalArgumentException("contextIds: " + lastContext + " (expected: at least the " + nrCpus
                    + " CPUs, or steal_context_smp can find no idle context)");
        }
        this.lastContext = lastContext;
        this.contextMm = new MmuContext[lastContext + 1];
        this.staleMap = new BitSet[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            staleMap[i] = new BitSet();
        }
        this.smp = nrCpus > 1;
        this.nrFreeContexts = lastContext - FIRST_CONTEXT + 1;
    }

    /**
     * {@code switch_mmu_context}: the id {@code next} runs with on {@code cpu}, assigned or stolen if it
     * has none, after flushing the CPU's stale entries for it.
     *
     * @param cpu  the switching CPU, on its own thread
     * @param prev the context the CPU ran
     * @param next the context it runs from now on
     * @return the id to load into PID
     */
    synchronized int switchContext(Cpu cpu, MmuContext prev, MmuContext next) {
        int cpuId = cpu.id();
        next.cpumask.set(cpuId);
        if (smp) {
            next.active++;
            if (prev.active < 1) {
                throw new IllegalStateException("switch_mmu_context: " + prev + " active " + prev.active
                        + " on CPU " + cpuId + " (expected: at least 1, this CPU runs it)");
            }
            prev.active--;
        }
        int id = next.id;
        if (id == MmuContext.NO_CONTEXT) {
            id = assign(cpu, next);
        }
        if (smp && staleMap[cpuId].get(id)) {
            cpu.localFlushContext(id, TlbFlushReason.FLUSH_ON_TASK_SWITCH);
            staleMap[cpuId].clear(id);
        }
        return id;
    }

    private int assign(Cpu cpu, MmuContext next) {
        int id = nextContext > lastContext ? FIRST_CONTEXT : nextContext;
        if (nrFreeContexts == 0) {
            id = smp ? stealSmp(id) : stealUp(cpu, id);
            steals++;
        } else {
            nrFreeContexts--;
            id = contextMap.nextClearBit(id);
            if (id > lastContext) {
                id = contextMap.nextClearBit(FIRST_CONTEXT);
            }
            contextMap.set(id);
        }
        nextContext = id + 1;
        contextMm[id] = next;
        next.id = id;
        return id;
    }

    /** steal_context_smp: the first id from {@code id} whose mm no CPU runs; stale wherever that mm ran. */
    private int stealSmp(int id) {
        for (int tries = 0; tries <= lastContext - FIRST_CONTEXT; tries++) {
            MmuContext victim = contextMm[id];
            if (victim.active == 0) {
                victim.id = MmuContext.NO_CONTEXT;
                for (int c = victim.cpumask.nextSetBit(0); c >= 0; c = victim.cpumask.nextSetBit(c + 1)) {
                    staleMap[c].set(id);
                }
                return id;
            }
            id = id == lastContext ? FIRST_CONTEXT : id + 1;
        }
        // Unreachable: the constructor makes sure there are more ids than CPUs that can hold one active.
        throw new IllegalStateException("steal_context_smp: every context id is active");
    }

    /** steal_context_up: the victim's entries leave this CPU's TLB now. */
    private int stealUp(Cpu cpu, int id) {
        MmuContext victim = contextMm[id];
        cpu.localFlushContext(id, TlbFlushReason.FLUSH_ON_TASK_SWITCH);
        victim.id = MmuContext.NO_CONTEXT;
        return id;
    }

    /**
     * {@code destroy_context}: the mm's id goes back to the pool.
     *
     * @param mm an mm no CPU runs any more
     */
    synchronized void destroy(MmuContext mm) {
        if (mm.id == MmuContext.NO_CONTEXT) {
            return;
        }
        if (mm.active != 0) {
            throw new IllegalStateException("destroy_context: " + mm + " still active on " + mm.active
                    + " CPU(s) (expected: 0; WARN_ON(mm->context.active != 0) in mmu_context.c)");
        }
        contextMap.clear(mm.id);
        contextMm[mm.id] = null;
        mm.id = MmuContext.NO_CONTEXT;
        nrFreeContexts++;
    }

    /** @return ids free now */
    synchronized int nrFreeContexts() {
        return nrFreeContexts;
    }

    /** @return how many ids were taken from another mm since boot */
    synchronized long steals() {
        return steals;
    }

    /** @return LAST_CONTEXT */
    int lastContext() {
        return lastContext;
    }
}
