package org.kmemu.core.driver;

import org.kmemu.api.ArchSpec;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mm.memory.RemapPfnRange;
import org.kmemu.core.mm.vma.FileOperations;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;

/**
 * A device file over a physical window of device memory (a frame buffer's BAR), mapped into the task
 * uncached with {@code vm_iomap_memory} (io_remap_pfn_range underneath), as fb_mmap maps
 * {@code info->fix.smem_start} (drivers/video/fbdev/core/fb_defio.c / fbmem.c). The VMA gets
 * {@code .access = generic_access_phys}, so ptrace and /proc/PID/mem can read it though GUP cannot.
 */
public final class IoMemDriver implements FileOperations {
    /** FB_MAJOR (include/uapi/linux/major.h). */
    public static final int FB_MAJOR = 29;

    private final Kernel kernel;
    private final ArchSpec arch;
    private final String path;
    private final long ino = DevTmpfs.nextIno();
    private final int major;
    private final int minor;
    private final long phys;
    private final long len;

    /**
     * @param kernel the kernel services
     * @param arch   the architecture (pgprot_noncached's bits)
     * @param path   the device node, e.g. /dev/fb0
     * @param major  its major number
     * @param minor  its minor number
     * @param phys   the window's physical address
     * @param len    the window's bytes
     */
    public IoMemDriver(Kernel kernel, ArchSpec arch, String path, int major, int minor, long phys, long len) {
        this.kernel = kernel;
        this.arch = arch;
        this.path = path;
        this.major = major;
        this.minor = minor;
        this.phys = phys;
        this.len = len;
    }

    /**
     * {@code open()}.
     *
     * @return the open file
     */
    public VmFile open() {
        return new VmFile(path, DevTmpfs.DEV_MAJOR, DevTmpfs.DEV_MINOR, ino, kernel.memory().genericAccessPhys(), this);
    }

    @Override
    public int mmap(Cpu cpu, Mm mm, VmFile file, Vma vma) {
        // pgprot_noncached(vma->vm_page_prot): device memory is not cached
        return kernel.memory().remap().vmIomapMemory(cpu, mm, vma, phys, len,
                RemapPfnRange.pgprotNoncached(arch, RemapPfnRange.vmPageProt(vma)));
    }

    /** @return the node and its char device number, as ls -l /dev shows them */
    @Override
    public String toString() {
        return path + " (char " + major + ", " + minor + ")";
    }
}
