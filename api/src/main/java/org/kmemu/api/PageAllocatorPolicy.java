package org.kmemu.api;

/**
 * A page-allocator policy plugin: the binary buddy allocator, or a researcher's alternative.
 *
 * <p>The core calls {@link #create} once per machine, on the main thread, during boot, for the
 * policy named by {@code kmemu.machine.page-allocator}. Implementations must have a public
 * no-argument constructor that does no work.
 *
 * <p><b>Caller and thread.</b> The plugin host creates it at start-up; boot calls {@link #create}
 * once per machine, on the main thread. <b>Failure.</b> A bad value in {@code kmemu.page-allocator.<id>}
 * is a {@link ConfigException} (one line, file and line); anything else stops the boot as a plugin bug.
 * <b>TCK.</b> {@code PageAllocatorContractTest}: every managed page free after boot with agreeing counts,
 * aligned blocks inside one zone obeying the zone modifiers, the kernel's allocation-failure warning,
 * double frees and orders above the maximum reported as misuse, random alloc/free ending where it
 * started.
 *
 * @since 1.0
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
