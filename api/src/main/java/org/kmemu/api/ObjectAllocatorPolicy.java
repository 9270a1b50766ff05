package org.kmemu.api;

/**
 * An object (slab) allocator policy plugin: SLUB, SLAB, SLOB or a researcher's own. The core calls
 * {@link #create} once per machine at boot, for the policy named by
 * {@code kmemu.machine.object-allocator}. Implementations have a public no-argument constructor that
 * does no work.
 *
 * <p><b>Caller and thread.</b> The plugin host creates it at start-up; boot calls {@link #create}, then
 * {@link #kmallocSizes} and {@link #procSlabinfo}, once per machine, on the main thread. <b>Failure.</b>
 * A bad value in {@code kmemu.object-allocator.<id>} is a {@link ConfigException} (one line, file and
 * line); anything else stops the boot as a plugin bug. <b>TCK.</b> {@code ObjectAllocatorContractTest}:
 * aligned disjoint objects found by their cache, the kmalloc table served, constructors run on new
 * objects, misuse reported in the kernel's words with the allocator left consistent, destroy of busy and
 * destroyed caches, random alloc/free giving every page back.
 *
 * @since 1.0
 */
@ExtensionPointInfo(what = "object allocator", selectedBy = "kmemu.machine.object-allocator")
public interface ObjectAllocatorPolicy extends KmemuExtension {

    /** @return the id a config selects this policy by, e.g. "slub" */
    @Override
    String id();

    /** @return a one-line description naming the kernel behaviour modelled */
    @Override
    String description();

    /**
     * @param context the machine's CPUs, memory and page source
     * @return the slab allocator, with no caches yet
     */
    SlabAllocator create(SlabContext context);

    /**
     * kmalloc's size classes under this policy, as the kernel version it models had them. The core calls
     * this once at boot, right after {@link #create}, with the same context, and creates the kmalloc
     * caches it lists; kmalloc's front end stays in the core.
     *
     * <p>The default is mm/slab_common.c's table as SLUB uses it ({@link KmallocSizes#slabCommon}).
     *
     * @param context the machine, as {@link #create} got it
     * @return the table
     */
    default KmallocSizes kmallocSizes(SlabContext context) {
        return KmallocSizes.slabCommon(context.pageShift(), context.kmallocMinSize(), context.maxPageOrder());
    }

    /**
     * @return whether a kernel with this allocator has /proc/slabinfo (SLAB and SLUB do, SLOB did not:
     *         mm/slab_common.c builds it only for CONFIG_SLAB or CONFIG_SLUB_DEBUG); without it kmemu
     *         has no such file either. Default true.
     */
    default boolean procSlabinfo() {
        return true;
    }
}
