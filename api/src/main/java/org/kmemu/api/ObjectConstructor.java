package org.kmemu.api;

/**
 * A cache's constructor ({@code ctor} of {@code kmem_cache_create}): run on every object when a new slab
 * is made, not on each allocation (mm/slub.c {@code setup_object}).
 */
@FunctionalInterface
public interface ObjectConstructor {

    /** @param objp the object's kernel address */
    void construct(long objp);
}
