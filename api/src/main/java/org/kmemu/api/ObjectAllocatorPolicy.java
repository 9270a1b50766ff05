package org.kmemu.api;

import org.pf4j.ExtensionPoint;

/**
 * An object (slab) allocator policy plugin: SLUB, SLAB, SLOB or a researcher's own. The core calls
 * {@link #create} once per machine at boot, for the policy named by
 * {@code kmemu.machine.object-allocator}. Implementations have a public no-argument constructor that
 * does no work.
 */
public interface ObjectAllocatorPolicy extends ExtensionPoint {

    /** @return the id a config selects this policy by, e.g. "slub" */
    String id();

    /** @return a one-line description naming the kernel behaviour modelled */
    String description();

    /**
     * @param context the machine's CPUs, memory and page source
     * @return the slab allocator, with no caches yet
     */
    SlabAllocator create(SlabContext context);
}
