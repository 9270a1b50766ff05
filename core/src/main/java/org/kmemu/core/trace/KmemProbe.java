package org.kmemu.core.trace;

/**
 * A subscriber to the machine's memory tracepoints: the kernel's kmem events (include/trace/events/kmem.h),
 * what a probe attached with {@code register_trace_kmalloc()} and friends receives; the vmalloc events
 * (include/trace/events/vmalloc.h); x86's {@code tlb:tlb_flush} (include/trace/events/tlb.h) and
 * {@code exceptions:page_fault_user/kernel} (arch/x86/include/asm/trace/exceptions.h), fired on every
 * architecture; and kmemu's own {@code kmemu:kmap}, {@code kmemu:kunmap} and {@code kmemu:tlb_miss}, which
 * Linux has no tracepoint for. The arguments are the tracepoint's own fields as primitives; nothing is
 * formatted for a probe.
 *
 * <p>One interface for all of them, so that one {@link Tracepoints#attach} subscribes a sink to everything
 * and the machine keeps one probe array: a probe overrides the events it wants. While any probe is attached
 * every event fires (the default methods are empty calls the JIT inlines away for a probe that does not
 * override them); with none attached each site costs the one volatile read of {@link Tracepoints#active()}.
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

    // ---- vmalloc (include/trace/events/vmalloc.h) ----------------------------------------------------

    /**
     * {@code trace_alloc_vmap_area()}: {@code alloc_vmap_area} (mm/vmalloc.c) found room for an area, or did
     * not ({@code failed}, {@code addr} 0), after its retry with a purge.
     *
     * @param cpu    the allocating CPU
     * @param nanos  its clock
     * @param comm   the current task's name
     * @param pid    its pid
     * @param addr   the area's start (va_start), 0 if it failed
     * @param size   the size asked, guard page included
     * @param align  the alignment asked
     * @param vstart the lowest start allowed (VMALLOC_START for vmalloc)
     * @param vend   the end of the range allowed
     * @param failed whether no room was found
     */
    default void allocVmapArea(int cpu, long nanos, String comm, int pid, long addr, long size, long align, long vstart,
                               long vend, boolean failed) {
    }

    /**
     * {@code trace_purge_vmap_area_lazy()}: {@code __purge_vmap_area_lazy} flushed [start, end) once and gave
     * back the lazily freed areas.
     *
     * @param cpu     the purging CPU
     * @param nanos   its clock
     * @param comm    the current task's name
     * @param pid     its pid
     * @param start   the flushed range's start (the lowest lazy area's start)
     * @param end     its end
     * @param npurged the areas given back
     */
    default void purgeVmapAreaLazy(int cpu, long nanos, String comm, int pid, long start, long end, int npurged) {
    }

    /**
     * {@code trace_free_vmap_area_noflush()}: an area went on the lazy list, its TLB entries not flushed yet.
     *
     * @param cpu       the freeing CPU
     * @param nanos     its clock
     * @param comm      the current task's name
     * @param pid       its pid
     * @param vaStart   the area's start
     * @param nrLazy    vmap_lazy_nr after adding it (pages)
     * @param nrLazyMax lazy_max_pages(), the purge threshold
     */
    default void freeVmapAreaNoflush(int cpu, long nanos, String comm, int pid, long vaStart, long nrLazy,
                                     long nrLazyMax) {
    }

    // ---- TLB flush (include/trace/events/tlb.h) and page faults (arch/x86/include/asm/trace/exceptions.h) --

    /**
     * {@code trace_tlb_flush()}: a CPU flushed its TLB, or sent shootdowns; see {@link TlbFlushReason} for
     * which of kmemu's flushes give which reason.
     *
     * @param cpu    the CPU that flushed (or sent)
     * @param nanos  its clock
     * @param comm   the current task's name
     * @param pid    its pid
     * @param reason one of {@link TlbFlushReason}'s values
     * @param pages  4 KiB pages flushed, or {@link TlbFlushReason#FLUSH_ALL}
     */
    default void tlbFlush(int cpu, long nanos, String comm, int pid, int reason, long pages) {
    }

    /**
     * {@code trace_page_fault_user()}: a fault taken in user mode entered the kernel's fault handling
     * (x86's {@code handle_page_fault}, before it decides anything). kmemu fires it on every architecture.
     *
     * @param cpu       the faulting CPU
     * @param nanos     its clock
     * @param comm      the current task's name
     * @param pid       its pid
     * @param address   the faulting address (CR2, BookE's DEAR)
     * @param ip        the faulting instruction's address: kmemu runs no instructions, so the address for an
     *                  instruction fetch and 0 otherwise
     * @param errorCode the architecture's error word (x86's #PF error code, BookE's ESR)
     */
    default void pageFaultUser(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
    }

    /**
     * {@code trace_page_fault_kernel()}: the same for a fault taken in kernel mode.
     *
     * @param cpu       the faulting CPU
     * @param nanos     its clock
     * @param comm      the current task's name
     * @param pid       its pid
     * @param address   the faulting address
     * @param ip        as in {@link #pageFaultUser}
     * @param errorCode the architecture's error word
     */
    default void pageFaultKernel(int cpu, long nanos, String comm, int pid, long address, long ip, long errorCode) {
    }

    // ---- kmemu's own events: Linux has no tracepoint for these ------------------------------------------

    /**
     * {@code kmemu:kmap}: kmap, kmap_local_page or kmap_atomic returned an address for a page (not a Linux
     * tracepoint).
     *
     * @param cpu     the calling CPU
     * @param nanos   its clock
     * @param comm    the current task's name
     * @param pid     its pid
     * @param pfn     the page
     * @param vaddr   the address returned
     * @param kind    {@link KmapKind}
     * @param highmem whether a mapping was made (a highmem page); a lowmem page's address is its page_address
     */
    default void kmap(int cpu, long nanos, String comm, int pid, long pfn, long vaddr, int kind, boolean highmem) {
    }

    /**
     * {@code kmemu:kunmap}: the matching unmap (not a Linux tracepoint).
     *
     * @param cpu   the calling CPU
     * @param nanos its clock
     * @param comm  the current task's name
     * @param pid   its pid
     * @param vaddr the address unmapped
     * @param kind  {@link KmapKind}
     */
    default void kunmap(int cpu, long nanos, String comm, int pid, long vaddr, int kind) {
    }

    /**
     * {@code kmemu:tlb_miss}: an access missed the CPU's first-level TLB (not a Linux tracepoint: on Linux a
     * hardware walk is invisible; perf counts them). Fires once per miss, after the first translation attempt
     * (a fault's retries are the fault's events); never on a hit.
     *
     * @param cpu     the CPU
     * @param nanos   its clock
     * @param comm    the current task's name
     * @param pid     its pid
     * @param address the virtual address
     * @param access  {@link org.kmemu.api.Access#ordinal()} of the access
     * @param levels  page-table levels the walk read; 0 when no walk was needed (a second-level TLB or
     *                e500's TLB1 refilled it)
     * @param fault   whether the translation failed (a page fault follows)
     */
    default void tlbMiss(int cpu, long nanos, String comm, int pid, long address, int access, int levels, boolean fault) {
    }
}
