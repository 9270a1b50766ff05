package org.kmemu.core.driver;

import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;

/**
 * A misc device whose buffer is {@code vmalloc_user} memory (zeroed, VM_USERMAP) and whose ->mmap is
 * {@code remap_vmalloc_range(vma, buf, vma->vm_pgoff)}, the way perf's ring buffer and io_uring's rings
 * (in older kernels) reach user space. Each page is inserted with vm_insert_page, so it keeps a struct page
 * reference per mapping: vfree at release leaves a page still mapped alive until the task's munmap.
 */
public final class VmallocUserDriver extends MiscBufferDevice {
    private final long bytes;

    /**
     * @param kernel the kernel services
     * @param path   the device node
     * @param minor  the misc minor number
     * @param bytes  the buffer's size
     */
    public VmallocUserDriver(Kernel kernel, String path, int minor, long bytes) {
        super(kernel, path, minor);
        this.bytes = bytes;
    }

    /**
     * {@code open()}: {@code vmalloc_user(bytes)}.
     *
     * @param cpu the calling CPU
     * @return the open file, or null for -ENOMEM
     */
    public VmFile open(Cpu cpu) {
        long buf = kernel.vmalloc().vmallocUser(cpu, bytes, "vmalloc_user_open");
        if (buf == 0) {
            return null;
        }
        return opened(buf);
    }

    @Override
    public int mmap(Cpu cpu, Mm mm, VmFile file, Vma vma) {
        return kernel.memory().remap().remapVmallocRange(cpu, mm, vma, kernel.vmalloc(), buffer(file), vma.pgoff());
    }

    @Override
    public void release(Cpu cpu, VmFile file) {
        Long buf = released(file);
        if (buf != null) {
            kernel.vmalloc().vfree(cpu, buf);
        }
    }
}
