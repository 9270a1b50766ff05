package org.kmemu.core.driver;

import java.util.IdentityHashMap;
import java.util.Map;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mm.vma.FileOperations;
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
public final class VmallocUserDriver implements FileOperations {
    private final Kernel kernel;
    private final String path;
    private final long ino = DevTmpfs.nextIno();
    private final int minor;
    private final long bytes;
    private final Map<VmFile, Long> buffers = new IdentityHashMap<>();

    /**
     * @param kernel the kernel services
     * @param path   the device node
     * @param minor  the misc minor number
     * @param bytes  the buffer's size
     */
    public VmallocUserDriver(Kernel kernel, String path, int minor, long bytes) {
        this.kernel = kernel;
        this.path = path;
        this.minor = minor;
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
        VmFile file = new VmFile(path, DevTmpfs.DEV_MAJOR, DevTmpfs.DEV_MINOR, ino, null, this);
        buffers.put(file, buf);
        return file;
    }

    /**
     * @param file an open of this driver
     * @return the buffer's vmalloc address
     */
    public long buffer(VmFile file) {
        Long buf = buffers.get(file);
        if (buf == null) {
            throw new IllegalArgumentException(file + " (expected: an open of " + path + ")");
        }
        return buf;
    }

    @Override
    public int mmap(Cpu cpu, Mm mm, VmFile file, Vma vma) {
        return kernel.memory().remap().remapVmallocRange(cpu, mm, vma, kernel.vmalloc(), buffer(file), vma.pgoff());
    }

    @Override
    public void release(Cpu cpu, VmFile file) {
        Long buf = buffers.remove(file);
        if (buf != null) {
            kernel.vmalloc().vfree(cpu, buf);
        }
    }

    /** @return the node and its char device number, as ls -l /dev shows them */
    @Override
    public String toString() {
        return path + " (char " + ReservedBufferDriver.MISC_MAJOR + ", " + minor + ")";
    }
}
