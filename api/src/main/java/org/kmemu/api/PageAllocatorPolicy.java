package org.kmemu.api;

/**
 * A page-allocator policy plugin: the binary buddy allocator, or a researcher's alternative.
 *
 * <p>The core calls {@link #create} once per machine, on the main thread, during boot, for the
 * policy named by {@code kmemu.machine.page-allocator}. Implementations must have a public
 * no-argument constructor that does no work.
 */
@ExtensionPointInfo(what = "page allocator", selectedBy = "kmemu.machine.page-allocator")
public interface PageAllocatorPolicy extends KmemuExtension {

    /** @return the id a config selects this policy by, e.g. "buddy" */
    @Override
    String id();

    /** @return a one-line description for {@code kmemu plugins}, naming the kernel behaviour modelled */
    @Override
    String description();

    /**
     * @param context the zones, config and log of the machine being booted
     * @return a new allocator with no free memory yet; boot then calls {@link PageAllocator#freeBootMemory}
     * @throws ConfigException for a bad value in the policy's config subtree
     */
    PageAllocator create(PageAllocatorContext context);
}
