package org.kmemu.core.workload;

import org.kmemu.api.KernelCalls;

/**
 * A workload's {@code touch = true}: after each successful allocation the caller initialises what it
 * got, as kernel code does before it uses an object (a kzalloc-less caller fills its struct; a page's
 * user clears it), so the allocating CPU's TLB sees the accesses: an object's requested bytes, or each
 * page of a block, written with {@link KernelCalls#memset} through that CPU's MMU.
 *
 * <p>A page with no permanent kernel address (highmem, {@link KernelCalls#pageAddress} 0) is written
 * through a {@link KernelCalls#kmapLocal} slot, as kernel code reaches such a page ({@code clear_highpage}
 * maps it with kmap_local_page, clears it and unmaps it). The calls allocate nothing.
 */
public final class Touch {
    private Touch() {
    }

    /**
     * @param kernel the kernel calls
     * @param cpu    the CPU that allocated
     * @param ptr    the object, not 0
     * @param bytes  the bytes asked for
     */
    public static void object(KernelCalls kernel, int cpu, long ptr, long bytes) {
        if (bytes > 0) {
            kernel.memset(cpu, ptr, 0, bytes);
        }
    }

    /**
     * @param kernel the kernel calls
     * @param cpu    the CPU that allocated
     * @param pfn    the block's first page
     * @param order  its order
     * @return the pages written: all of the block's
     */
    public static long pages(KernelCalls kernel, int cpu, long pfn, int order) {
        long pageBytes = 1L << kernel.pageShift();
        long n = 1L << order;
        for (long i = 0; i < n; i++) {
            long va = kernel.pageAddress(pfn + i);
            if (va != 0) {
                kernel.memset(cpu, va, 0, pageBytes);
            } else {
                long mapped = kernel.kmapLocal(cpu, pfn + i);
                kernel.memset(cpu, mapped, 0, pageBytes);
                kernel.kunmapLocal(cpu, mapped);
            }
        }
        return n;
    }
}
