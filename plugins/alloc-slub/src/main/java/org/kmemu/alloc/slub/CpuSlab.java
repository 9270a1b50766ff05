package org.kmemu.alloc.slub;

/**
 * {@code struct kmem_cache_cpu} of one CPU: the CPU slab (c->slab, frozen) and the lockless free list
 * (c->freelist) the fast paths pop and push.
 *
 * <p>Only the owning CPU's thread touches it, except {@code flush_all}, which the kernel runs on each
 * CPU through work items. Its monitor stands for local_lock(&s->cpu_slab->lock) plus the tid/cmpxchg
 * of the kernel's fast path: uncontended except during a flush, it keeps a remote flush from racing
 * with the owner. Padded to its own cache line against false sharing between CPUs.
 */
final class CpuSlab {
    /** c->slab, or null. */
    Slab slab;
    /** c->freelist: first free object of {@link #slab} for this CPU, 0 for none. */
    long freelist;

    // Padding against false sharing between the CPUs' descriptors.
    @SuppressWarnings("unused")
    private long p1;
    @SuppressWarnings("unused")
    private long p2;
    @SuppressWarnings("unused")
    private long p3;
    @SuppressWarnings("unused")
    private long p4;
    @SuppressWarnings("unused")
    private long p5;
    @SuppressWarnings("unused")
    private long p6;
}
