package org.kmemu.core.trace;

/**
 * A subscriber to the kernel's kmem tracepoints (include/trace/events/kmem.h): what a probe attached
 * with {@code register_trace_kmalloc()} and friends receives. The arguments are the tracepoint's own
 * fields as primitives; nothing is formatted for a probe.
 *
 * <p><b>Threads.</b> A tracepoint fires on the CPU that runs the allocation, on that CPU's thread
 * ({@code cpu} is its id), as a kernel probe runs with preemption off on the CPU that hit it: a probe
 * may keep per-CPU state indexed by {@code cpu} and write it without a lock. Several CPUs' threads
 * call a probe at once, each with its own {@code cpu}.
 *
 * <p><b>Cost.</b> A probe runs inside the allocator's fast path: it must not block, must not call back
 * into the kernel's allocators, and should not allocate on the Java heap per event. An exception
 * thrown by a probe propagates to the allocating caller.
 *
 * <p>Every method does nothing by default, so a probe implements only the events it wants.
 */
public interface KmemProbe {
    /**
     * {@code trace_mm_page_alloc()}: a block came from the page allocator. kmemu fires it for the
     * blocks it returns; 6.x's __alloc_pages (mm/page_alloc.c) also traces a failed allocation, with
     * pfn -1 (printed {@code page=0 pfn=0x0}), which kmemu does not model yet.
     *
     * @param cpu         the allocating CPU
     * @param nanos       its clock
     * @param comm        the current task's name
     * @param pid         its pid
     * @param page        the address of the block's {@code struct page}
     * @param pfn         the block's first pfn
     * @param order       its order
     * @param migratetype the migrate type the gfp flags select
     * @param gfp         the gfp flags
     */
    default void mmPageAlloc(int cpu, long nanos, String comm, int pid, long page, long pfn, int order, int migratetype,
                             int gfp) {
    }

    /**
     * {@code trace_mm_page_free()}: a block went back to the page allocator.
     *
     * @param cpu   the freeing CPU
     * @param nanos its clock
     * @param comm  the current task's name
     * @param pid   its pid
     * @param page  the address of the block's {@code struct page}
     * @param pfn   the block's first pfn
     * @param order its order
     */
    default void mmPageFree(int cpu, long nanos, String comm, int pid, long page, long pfn, int order) {
    }

    /**
     * {@code trace_mm_page_alloc_extfrag()}: an allocation found its migrate type's free lists empty and
     * took a block from another type's ({@code __rmqueue_fallback}, mm/page_alloc.c). The kernel's event
     * also prints {@code fragmenting = fallback_order < pageblock_order}, derived from these fields.
     *
     * @param cpu                 the allocating CPU
     * @param nanos               its clock
     * @param comm                the current task's name
     * @param pid                 its pid
     * @param page                the address of the page's {@code struct page}
     * @param pfn                 the page the fallback returned
     * @param allocOrder          the order requested
     * @param fallbackOrder       the order of the block taken from the other type's list
     * @param pageblockOrder      pageblock_order
     * @param allocMigratetype    the requested migrate type
     * @param fallbackMigratetype the type whose list gave the block
     * @param changeOwnership     whether the pageblock now has the requested type
     */
    default void mmPageAllocExtfrag(int cpu, long nanos, String comm, int pid, long page, long pfn, int allocOrder,
                                    int fallbackOrder, int pageblockOrder, int allocMigratetype, int fallbackMigratetype,
                                    boolean changeOwnership) {
    }

    /**
     * {@code trace_kmalloc()}: every kmalloc returns through it, failed ones with {@code ptr == 0}.
     *
     * @param cpu        the allocating CPU
     * @param nanos      its clock
     * @param comm       the current task's name
     * @param pid        its pid
     * @param callSite   the caller, as the trace prints it
     * @param ptr        the object, or 0 when the allocation failed
     * @param bytesReq   the size asked
     * @param bytesAlloc the size given (the size class, or the slob unit count in bytes)
     * @param gfp        the gfp flags
     */
    default void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                         long bytesAlloc, int gfp) {
    }

    /**
     * {@code trace_kmem_cache_alloc()}: the same fields as {@link #kmalloc}, for a named cache.
     *
     * @param cpu        the allocating CPU
     * @param nanos      its clock
     * @param comm       the current task's name
     * @param pid        its pid
     * @param callSite   the caller
     * @param ptr        the object, or 0
     * @param bytesReq   the cache's object size
     * @param bytesAlloc its slot size
     * @param gfp        the gfp flags
     */
    default void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                                long bytesAlloc, int gfp) {
    }

    /**
     * {@code trace_kfree()}.
     *
     * @param cpu      the freeing CPU
     * @param nanos    its clock
     * @param comm     the current task's name
     * @param pid      its pid
     * @param callSite the caller
     * @param ptr      the pointer freed, 0 for NULL
     */
    default void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
    }

    /**
     * {@code trace_kmem_cache_free()}.
     *
     * @param cpu      the freeing CPU
     * @param nanos    its clock
     * @param comm     the current task's name
     * @param pid      its pid
     * @param callSite the caller
     * @param ptr      the object freed
     */
    default void kmemCacheFree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
    }
}
