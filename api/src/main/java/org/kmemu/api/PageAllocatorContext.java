package org.kmemu.api;

import java.util.List;
import java.util.Set;

/**
 * What the core hands a {@link PageAllocatorPolicy} when it creates the machine's page allocator.
 * Immutable.
 *
 * <p><b>Who calls it.</b> A {@link PageAllocatorPolicy}, in {@link PageAllocatorPolicy#create} on the
 * main thread, and the allocator it makes, on any thread (it is immutable). The host implements it
 * (kmemu-tck's {@code ZoneFixtures} too).
 *
 * @since 1.0
 */
@HostProvided
public interface PageAllocatorContext {

    /** @return the policy's config subtree, {@code kmemu.page-allocator.<id>} */
    ConfigView config();

    /** @return the populated zones, lowest first; each has at least one present page */
    List<ZoneSpan> zones();

    /** @return every zone type the architecture configures, for {@link Gfp#gfpZone} */
    Set<ZoneType> configuredZones();

    /** @return PAGE_SHIFT */
    int pageShift();

    /** @return the number of emulated CPUs; CPU numbers passed to the allocator are below this */
    int cpus();

    /** @return the kernel log, for allocation-failure and bad-page reports */
    KernelLog log();

    /**
     * @return the owners of the CPUs, for the debug check that a CPU's per-CPU lists are used only by
     *         that CPU's thread ({@link PerCpuOwnership}); {@link PerCpuOwnership#UNCHECKED} by default
     */
    default PerCpuOwnership perCpu() {
        return PerCpuOwnership.UNCHECKED;
    }

    /**
     * Called once, by the policy's {@code create}, on the booting thread.
     *
     * @return the struct page words the machine lends the policy for its free pages' list links
     *         ({@link FreePageWords}), or null (the default) if it lends none and the policy keeps its
     *         own storage
     */
    default FreePageWords freePageWords() {
        return null;
    }

    /**
     * Called once, by the policy's {@code create}, on the booting thread; the allocator calls the sink
     * it returns on the allocating CPU's thread ({@link PageAllocatorEvents}).
     *
     * @return where the allocator reports its fallbacks and other events; {@link PageAllocatorEvents#NONE}
     *         (the default) if the host listens to none, so a context that predates 1.2 needs nothing
     * @since 1.2
     */
    default PageAllocatorEvents events() {
        return PageAllocatorEvents.NONE;
    }
}
