package org.kmemu.core.driver;

import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mm.memory.RemapPfnRange;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;

/**
 * The classic driver of Linux Device Drivers ch. 15 as a misc device: each open allocates a kernel buffer
 * ({@code __get_free_pages} or {@code kmalloc}), marks every page PG_reserved, and ->mmap hands its frames to
 * the task with {@code remap_pfn_range}; the task writes through its MMU, the driver reads and writes through
 * the buffer's kernel address, and both see the same bytes. Release clears PG_reserved and frees the buffer;
 * a release that forgets ClearPageReserved meets the page allocator's "Bad page state".
 *
 * <p>->mmap refuses (-EINVAL) an offset or a length that reaches past the buffer, as such drivers check
 * {@code vma->vm_pgoff} and {@code vma_pages()} against their size.
 */
public final class ReservedBufferDriver extends MiscBufferDevice {
    /** How the buffer is allocated. */
    public enum Allocation {
        /** {@code __get_free_pages(GFP_KERNEL | __GFP_ZERO, order)}, freed with free_pages. */
        GET_FREE_PAGES,
        /** {@code kmalloc(size, GFP_KERNEL | __GFP_ZERO)} (a whole number of pages: page aligned), freed with kfree. */
        KMALLOC
    }

    private final int order;
    private final Allocation allocation;
    private boolean clearReservedOnRelease = true;

    /**
     * @param kernel     the kernel services
     * @param path       the device node, e.g. /dev/kmemu_buf
     * @param minor      the misc minor number
     * @param order      log2 of the buffer's pages
     * @param allocation how the buffer is allocated
     */
    public ReservedBufferDriver(Kernel kernel, String path, int minor, int order, Allocation allocation) {
        super(kernel, path, minor);
        this.order = order;
        this.allocation = allocation;
    }

    /**
     * Makes release skip ClearPageReserved, the driver bug whose free the page allocator reports.
     *
     * @param clear false for the buggy release
     */
    public void setClearReservedOnRelease(boolean clear) {
        this.clearReservedOnRelease = clear;
    }

    /** @return the buffer's bytes: PAGE_SIZE &lt;&lt; order */
    public long bufferBytes() {
        return 1L << (pageShift() + order);
    }

    private int pageShift() {
        return Long.numberOfTrailingZeros(kernel.vmalloc().pageSize());
    }

    /**
     * {@code open()}: allocates and reserves this open's buffer.
     *
     * @param cpu the calling CPU
     * @return the open file, or null for -ENOMEM
     */
    public VmFile open(Cpu cpu) {
        long bytes = bufferBytes();
        long buf = allocation == Allocation.GET_FREE_PAGES
                ? kernel.pages().getFreePages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, order)
                : kernel.slab().kmalloc(cpu, bytes, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, "reserved_buf_open");
        if (buf == 0) {
            return null;
        }
        long pfn = kernel.addresses().virtToPage(buf);
        for (long i = 0; i < 1L << order; i++) {
            kernel.pages().setPageReserved(pfn + i); // SetPageReserved(virt_to_page(buf + i * PAGE_SIZE))
        }
        return opened(buf);
    }

    @Override
    public int mmap(Cpu cpu, Mm mm, VmFile file, Vma vma) {
        long buf = buffer(file);
        int shift = pageShift();
        long size = vma.end() - vma.start();
        long pages = 1L << order;
        if (Long.compareUnsigned(vma.pgoff(), pages) >= 0 || (size >>> shift) > pages - vma.pgoff()) {
            return -Errno.EINVAL;
        }
        long pfn = (kernel.addresses().pa(buf) >>> shift) + vma.pgoff();
        return kernel.memory().remap().remapPfnRange(cpu, mm, vma, vma.start(), pfn, size, RemapPfnRange.vmPageProt(vma));
    }

    @Override
    public void release(Cpu cpu, VmFile file) {
        Long buf = released(file);
        if (buf == null) {
            return;
        }
        long pfn = kernel.addresses().virtToPage(buf);
        if (clearReservedOnRelease) {
            for (long i = 0; i < 1L << order; i++) {
                kernel.pages().clearPageReserved(pfn + i);
            }
        }
        if (allocation == Allocation.GET_FREE_PAGES) {
            kernel.pages().freePagesVirt(cpu, buf, order);
        } else {
            kernel.slab().kfree(cpu, buf, "reserved_buf_release");
        }
    }
}
