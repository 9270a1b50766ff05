package org.kmemu.api;

/**
 * One {@code struct kmem_cache}, as the policy that made it represents it. The core holds these as
 * opaque handles and asks the policy that made them about their objects.
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
