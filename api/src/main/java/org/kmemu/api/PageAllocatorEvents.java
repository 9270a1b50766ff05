package org.kmemu.api;

/**
 * Events a {@link PageAllocator} reports to the host, which turns them into the kernel's tracepoints
 * (include/trace/events/kmem.h) and counts them. The host hands it in
 * {@link PageAllocatorContext#events()}; a policy that has nothing to report never calls it.
 *
 * <p><b>Who calls it.</b> The page allocator, on the thread of the CPU that allocates ({@code cpu} is
 * that CPU), possibly while it holds its zone lock, as the kernel fires its tracepoints inside
 * {@code __rmqueue()} under {@code zone->lock}. Several CPUs' threads may call it at once, each with its
 * own {@code cpu}.
 *
 * <p><b>What the host promises.</b> A method returns quickly, does not block, does not call back into
 * the page allocator and does not allocate per event while nothing listens. An exception it throws is a
 * host bug and propagates to the allocating caller.
 *
 * @since 1.2
 */
@HostProvided
public interface PageAllocatorEvents {
    /** Ignores every event: what {@link PageAllocatorContext#events()} returns by default. */
    PageAllocatorEvents NONE = new PageAllocatorEvents() {
    };

    /**
     * {@code trace_mm_page_alloc_extfrag()}: an allocation of {@code allocMigratetype} found that type's
     * free lists empty and took a block from {@code fallbackMigratetype}'s lists ({@code __rmqueue_fallback},
     * mm/page_alloc.c). Call it once per block taken, after the block (and, if claimed, its pageblock)
     * moved, so that {@code changeOwnership} tells whether the pageblock is now the request's type.
     * The event is <i>fragmenting</i> when {@code fallbackOrder < pageblockOrder}: a pageblock now
     * mixes migrate types.
     *
     * @param cpu                 the allocating CPU
     * @param pfn                 the first pfn of the block taken from the fallback list
     * @param allocOrder          the order requested
     * @param fallbackOrder       the order of the block taken
     * @param pageblockOrder      the allocator's pageblock_order
     * @param allocMigratetype    the requested {@link MigrateType} ordinal
     * @param fallbackMigratetype the ordinal of the type whose free list gave the block
     * @param changeOwnership     whether the block's pageblock now has the requested type
     */
    default void mmPageAllocExtfrag(int cpu, long pfn, int allocOrder, int fallbackOrder, int pageblockOrder,
                                    int allocMigratetype, int fallbackMigratetype, boolean changeOwnership) {
    }
}
