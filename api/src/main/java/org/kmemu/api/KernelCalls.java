package org.kmemu.api;

/**
 * The kernel's memory calls as a {@link WorkloadRun} makes them on a booted machine: the object
 * allocator (kmalloc, kmem_cache_*), the page allocator (alloc_pages), vmalloc, and plain loads and
 * stores through a CPU's MMU. Each call names the CPU it runs on; the kernel services underneath are
 * the same ones the machine's own code uses, so tracepoints, metrics and /proc see the calls.
 *
 * <p><b>Who calls it.</b> A {@link WorkloadRun#run}, on the run's one thread, which owns every CPU.
 * <b>Failure.</b> Allocations fail as the kernel's do (0 or -1, with the kernel's warning in the log
 * unless {@link Gfp#__GFP_NOWARN}); misuse the kernel reports (a double free, a free of a pointer never
 * allocated) is reported in the kernel's words as a {@link KernelOopsException} or in the log, as the
 * machine's allocator does.
 *
 * @since 1.2
 */
@HostProvided
public interface KernelCalls {

    /** @return the machine's CPU count; CPUs are numbered from 0 */
    int cpus();

    /**
     * kmalloc.
     *
     * @param cpu      the CPU
     * @param size     bytes asked
     * @param gfp      {@link Gfp} flags
     * @param callSite the caller's name as a trace prints it, e.g. "alloc_inode+0x1f"; may be null
     * @return the object's kernel address, or 0 when the allocation failed
     */
    long kmalloc(int cpu, long size, int gfp, String callSite);

    /**
     * kfree. A null pointer (0) is ignored, as the kernel ignores it.
     *
     * @param cpu      the CPU
     * @param ptr      what {@link #kmalloc} returned
     * @param callSite the caller's name; may be null
     */
    void kfree(int cpu, long ptr, String callSite);

    /**
     * kmem_cache_create.
     *
     * @param name  the cache's name (unique within the run)
     * @param size  object size in bytes
     * @param align alignment, 0 for the default
     * @param flags {@link SlabFlags}
     * @return a handle for {@link #kmemCacheAlloc} and {@link #kmemCacheFree}, 0 or more
     */
    int kmemCacheCreate(String name, int size, int align, int flags);

    /**
     * kmem_cache_alloc.
     *
     * @param cpu      the CPU
     * @param cache    a handle from {@link #kmemCacheCreate}
     * @param gfp      {@link Gfp} flags
     * @param callSite the caller's name; may be null
     * @return the object's address, or 0 when the allocation failed
     */
    long kmemCacheAlloc(int cpu, int cache, int gfp, String callSite);

    /**
     * kmem_cache_free.
     *
     * @param cpu      the CPU
     * @param cache    the handle the object was allocated from
     * @param ptr      the object
     * @param callSite the caller's name; may be null
     */
    void kmemCacheFree(int cpu, int cache, long ptr, String callSite);

    /**
     * alloc_pages.
     *
     * @param cpu   the CPU
     * @param gfp   {@link Gfp} flags (the zone and migratetype bits choose where)
     * @param order log2 of the block's pages
     * @return the first frame's pfn, or -1 when the allocation failed
     */
    long allocPages(int cpu, int gfp, int order);

    /**
     * __free_pages.
     *
     * @param cpu   the CPU
     * @param pfn   what {@link #allocPages} returned
     * @param order the order it was allocated with
     */
    void freePages(int cpu, long pfn, int order);

    /**
     * vmalloc.
     *
     * @param cpu  the CPU
     * @param size bytes, rounded up to pages
     * @return the area's kernel address, or 0 when the allocation failed
     */
    long vmalloc(int cpu, long size);

    /**
     * vfree.
     *
     * @param cpu  the CPU
     * @param addr what {@link #vmalloc} returned
     */
    void vfree(int cpu, long addr);

    /**
     * memset through {@code cpu}'s MMU, as kernel code running there stores: the bytes change, and
     * the CPU's TLB hits, misses and page walks count the accesses.
     *
     * @param cpu   the CPU
     * @param vaddr first kernel address (the direct map, vmalloc or any mapped kernel address)
     * @param value the byte, in its low 8 bits
     * @param len   bytes
     * @throws KernelOopsException for an unmapped address, with the arch's page-fault report
     */
    void memset(int cpu, long vaddr, int value, long len);

    /**
     * {@code page_address()}: where a page is in the kernel's address space, for {@link #memset} on a block
     * from {@link #allocPages}. Lowmem pages are in the direct map; a highmem page has no permanent kernel
     * address, as in the kernel, until someone kmaps it.
     *
     * @param pfn a page
     * @return its kernel virtual address, or 0 for a highmem page
     */
    long pageAddress(long pfn);

    /**
     * {@code kmap_local_page()}: maps a page into {@code cpu}'s kernel address space for a short use on that
     * CPU, so a highmem page can be written with {@link #memset}. A lowmem page answers its direct-map address
     * and maps nothing; a highmem page takes the CPU's next kmap_local slot (its fixmap PTE is written and
     * the old translation flushed, as the kernel does). Undo with {@link #kunmapLocal}, innermost first.
     *
     * @param cpu the CPU that will use the mapping, and only that CPU
     * @param pfn a page
     * @return its kernel virtual address while mapped
     * @throws KernelOopsException when the CPU's kmap_local slots are used up (the kernel's BUG in
     *                             kmap_local_idx_push)
     * @since 1.2
     */
    long kmapLocal(int cpu, long pfn);

    /**
     * {@code kunmap_local()}: ends the innermost mapping {@link #kmapLocal} made on {@code cpu}.
     *
     * @param cpu   the CPU that mapped it
     * @param vaddr the address {@link #kmapLocal} returned
     * @since 1.2
     */
    void kunmapLocal(int cpu, long vaddr);

    /** @return PAGE_SHIFT: a block of order n from {@link #allocPages} is {@code 1 << (pageShift() + n)} bytes */
    int pageShift();

    /**
     * A 64-bit load through {@code cpu}'s MMU, in the machine's byte order.
     *
     * @param cpu   the CPU
     * @param vaddr a mapped kernel address
     * @return the value
     * @throws KernelOopsException for an unmapped address, with the arch's page-fault report
     */
    long readLong(int cpu, long vaddr);

    /**
     * Tells the host that {@code events} more events are done. The host samples its metrics when a
     * sampling interval has passed and updates the progress line; cheap otherwise.
     *
     * @param events events completed since the last call, 0 or more
     */
    void advance(long events);
}
