package org.kmemu.api;

/**
 * What the core hands an {@link ObjectAllocatorPolicy} when it creates the machine's slab allocator.
 *
 * <p><b>Who calls it.</b> An {@link ObjectAllocatorPolicy} in {@link ObjectAllocatorPolicy#create} and
 * {@link ObjectAllocatorPolicy#kmallocSizes}, on the main thread, and the allocator it makes, from any
 * thread. Immutable. The host implements it (kmemu-tck's {@code SlabFixtures} too).
 *
 * @since 1.0
 */
@HostProvided
public interface SlabContext {

    /** @return the policy's config subtree, {@code kmemu.object-allocator.<id>} */
    ConfigView config();

    /** @return the number of CPUs (SLUB sizes slabs by it) */
    int cpus();

    /** @return PAGE_SHIFT */
    int pageShift();

    /** @return L1_CACHE_BYTES, the alignment of SLAB_HWCACHE_ALIGN */
    int cacheLineBytes();

    /**
     * @return {@code sizeof(void *)} on the machine: 4 on 32-bit architectures, 8 on 64-bit; the size of
     *         free pointers kept in objects and the smallest object alignment
     */
    default int pointerBytes() {
        return 8;
    }

    /** @return MAX_PAGE_ORDER: the largest order the page allocator hands out (KMALLOC_MAX_SIZE follows it) */
    default int maxPageOrder() {
        return 10;
    }

    /**
     * @return KMALLOC_MIN_SIZE of the architecture: 8 unless ARCH_DMA_MINALIGN raises it (include/linux/slab.h)
     */
    default int kmallocMinSize() {
        return 8;
    }

    /** @return where slab pages come from */
    SlabPages pages();

    /** @return kernel memory, for free lists kept inside objects */
    KernelMemory memory();

    /** @return the kernel log, for the allocators' reports */
    KernelLog log();

    /**
     * @return the owners of the CPUs, for the debug check that a CPU's per-CPU caches are used only by
     *         that CPU's thread ({@link PerCpuOwnership}); {@link PerCpuOwnership#UNCHECKED} by default
     */
    default PerCpuOwnership perCpu() {
        return PerCpuOwnership.UNCHECKED;
    }
}
