package org.kmemu.api;

/**
 * A cache's constructor ({@code ctor} of {@code kmem_cache_create}): run on every object when a new slab
 * is made, not on each allocation (mm/slub.c {@code setup_object}).
 *
 * <p><b>Caller and thread.</b> The slab policy, when it makes a new slab, on the thread of the CPU
 * that allocates; written by kernel code (the core, tests) and passed to {@link SlabAllocator#createCache}.
 * <b>Failure.</b> An exception from it propagates to the allocating caller; the policy must leave its state
 * consistent. <b>TCK.</b> {@code ObjectAllocatorContractTest} checks constructors run on new objects.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface ObjectConstructor {

    /** @param objp the object's kernel address */
    void construct(long objp);
}
