package org.kmemu.core.mm.vma;

import org.kmemu.core.mmu.Cpu;

/**
 * The part of {@code struct file_operations} (include/linux/fs.h) that memory mapping reaches: a character
 * device's {@code ->mmap}, which {@code mmap_region} calls ({@code call_mmap}) with the new VMA before
 * anything is mapped, and {@code ->release}, the last close. A driver's ->mmap sets the VMA up itself:
 * remap_pfn_range / io_remap_pfn_range / vm_insert_page / remap_vmalloc_range
 * ({@code org.kmemu.core.mm.memory.RemapPfnRange}) and vm_flags_set ({@link Vma#vmFlagsSet}).
 */
public interface FileOperations {

    /**
     * {@code ->mmap(file, vma)}: called with the mm's mmap lock held for write, the VMA already in the mm
     * with the flags do_mmap computed and vm_pgoff the byte offset's page. An error makes do_mmap unmap the
     * VMA and return it.
     *
     * @param cpu  the calling CPU (the task's)
     * @param mm   the task's mm
     * @param file the open file
     * @param vma  the new VMA
     * @return 0 or a negative errno (-EINVAL for a size or offset the device does not have, -EAGAIN ...)
     */
    int mmap(Cpu cpu, Mm mm, VmFile file, Vma vma);

    /**
     * {@code ->release(inode, file)}: the file's last reference is gone. kmemu's callers close explicitly
     * ({@link VmFile#release}); the default does nothing.
     *
     * @param cpu  the calling CPU
     * @param file the file
     */
    default void release(Cpu cpu, VmFile file) {
    }
}
