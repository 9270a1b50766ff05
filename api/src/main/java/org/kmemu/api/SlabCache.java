package org.kmemu.api;

/**
 * One {@code struct kmem_cache}, as the policy that made it represents it. The core holds these as
 * opaque handles and asks the policy that made them about their objects.
 *
 * <p><b>Caller and thread.</b> The core, as an opaque handle passed back to the {@link SlabAllocator} that
 * made it, on any thread; implementations are immutable or thread-safe. <b>Failure.</b> The methods
 * must not throw. <b>TCK.</b> {@code ObjectAllocatorContractTest} through the caches it creates.
 *
 * @since 1.0
 */
public interface SlabCache {

    /** @return the cache's name, e.g. "kmalloc-64" or "dentry" */
    String name();

    /** @return {@code object_size}: the size callers asked for */
    int objectSize();

    /** @return {@code size}: the slot each object takes, alignment and metadata included (what ksize reports) */
    int slotSize();

    /** @return the SLAB_* flags the cache was made with ({@link SlabFlags}) */
    int flags();
}
