package org.kmemu.core.mmu;

import java.util.BitSet;

/**
 * An address space as the MMU knows it, {@code mm->context} plus {@code mm->pgd} and {@code mm_cpumask}:
 * the root table a CPU walks, and on a TLB with context ids (e500) the id its entries are tagged with.
 *
 * <p>The id is {@link #NO_CONTEXT} until a CPU first switches to the mm; {@link MmuContextIds} hands it
 * out, may take it back to give to another mm (stealing), and frees it at {@code destroy_context}. The
 * kernel's own {@code init_mm} has id 0 for ever, the TID of kernel entries that match every PID.
 * On a TLB without context ids the id stays {@link #NO_CONTEXT}.
 *
 * <p>Thread-safety: {@link #id}, {@link #active} and the CPU mask change only under the
 * {@link MmuContextIds} lock ({@code context_lock}); {@link #id} is volatile so that a shootdown may read
 * it without the lock, as {@code flush_tlb_mm} reads {@code mm->context.id}.
 */
public final class MmuContext {
    /** MMU_NO_CONTEXT (arch/powerpc/include/asm/mmu_context.h: ~0): no id assigned. */
    public static final int NO_CONTEXT = -1;

    private final long root;
    volatile int id;
    /** context.active: how many CPUs run this mm now (SMP only, mmu_context.c switch_mmu_context). */
    int active;
    /** mm_cpumask: every CPU that has run this mm since it got its id (never cleared, as on powerpc). */
    final BitSet cpumask = new BitSet();

    MmuContext(long root, int id) {
        this.root = root;
        this.id = id;
    }

    /** @return the physical address of the root table ({@code __pa(mm->pgd)}) */
    public long root() {
        return root;
    }

    /** @return the context id ({@code mm->context.id}), or {@link #NO_CONTEXT} */
    public int id() {
        return id;
    }

    @Override
    public String toString() {
        return String.format("context %s, pgd %#x", id == NO_CONTEXT ? "none" : Integer.toString(id), root);
    }
}
