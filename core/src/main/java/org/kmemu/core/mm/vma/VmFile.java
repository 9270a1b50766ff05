package org.kmemu.core.mm.vma;

import org.kmemu.core.mm.memory.VmOperations;
import org.kmemu.core.mmu.Cpu;

/**
 * An open file as a VMA holds it ({@code vma->vm_file}, a {@code struct file}). Identity semantics: two
 * VMAs map the same file exactly when they hold the same {@code VmFile} object, as the kernel compares
 * the {@code struct file} pointers (mm/vma.c {@code is_mergeable_vma}); two opens of one inode are two
 * objects and never compare equal. The device and inode numbers and the path are what /proc/PID/maps
 * prints.
 *
 * <p>A file opened on kmemu's file system ({@code org.kmemu.core.fs.RamFs#open}) carries the
 * {@link VmOperations} of its inode's page cache ({@code generic_file_vm_ops}: {@code ->fault} is
 * {@code filemap_fault}); the kernel reaches them through {@code file->f_op->mmap}, which sets
 * {@code vma->vm_ops}. A file made with the four-argument constructor is an identity only (tests of the
 * VMA layer and /proc/PID/maps) and has no operations: {@link #vmOps()} is null, so a fault on it cannot
 * be satisfied.
 */
public final class VmFile {
    private final String path;
    private final int devMajor;
    private final int devMinor;
    private final long ino;
    private final VmOperations vmOps;
    private final FileOperations fops;

    /**
     * An identity-only file, without page cache or operations.
     *
     * @param path     the file's path as d_path prints it
     * @param devMajor the device's major number
     * @param devMinor the device's minor number
     * @param ino      the inode number
     */
    public VmFile(String path, int devMajor, int devMinor, long ino) {
        this(path, devMajor, devMinor, ino, null);
    }

    /**
     * An open file of a file system.
     *
     * @param path     the file's path as d_path prints it
     * @param devMajor the device's major number
     * @param devMinor the device's minor number
     * @param ino      the inode number
     * @param vmOps    the operations a mapping of it gets ({@code vma->vm_ops}), or null for none
     */
    public VmFile(String path, int devMajor, int devMinor, long ino, VmOperations vmOps) {
        this(path, devMajor, devMinor, ino, vmOps, null);
    }

    /**
     * An open device file ({@code chrdev_open}): its driver's {@link FileOperations}, whose ->mmap sets up
     * each VMA, and the {@code vma->vm_ops} that ->mmap installs (null for none: then a fault in a VMA whose
     * PTEs the driver did not fill is SIGBUS, and access_process_vm has no ->access).
     *
     * @param path     the device node's path, e.g. /dev/kmemu_buf
     * @param devMajor the device's major number (the char device's, as /proc/PID/maps prints the inode's sb)
     * @param devMinor the device's minor number
     * @param ino      the device node's inode number
     * @param vmOps    the VMA operations, or null
     * @param fops     the file operations
     */
    public VmFile(String path, int devMajor, int devMinor, long ino, VmOperations vmOps, FileOperations fops) {
        this.fops = fops;
        this.path = path;
        this.devMajor = devMajor;
        this.devMinor = devMinor;
        this.ino = ino;
        this.vmOps = vmOps;
    }

    /** @return the file's path as d_path prints it */
    public String path() {
        return path;
    }

    /** @return the device's major number ({@code MAJOR(inode->i_sb->s_dev)}) */
    public int devMajor() {
        return devMajor;
    }

    /** @return the device's minor number */
    public int devMinor() {
        return devMinor;
    }

    /** @return the inode number ({@code inode->i_ino}) */
    public long ino() {
        return ino;
    }

    /**
     * @return the operations a mapping of this file gets ({@code vma->vm_ops}: {@code ->fault} and
     *         {@code ->page_mkwrite}), or null for an identity-only file
     */
    public VmOperations vmOps() {
        return vmOps;
    }

    /** @return the driver's file operations ({@code file->f_op}), or null for a regular file or an identity */
    public FileOperations fops() {
        return fops;
    }

    /**
     * The last close of the file ({@code __fput} → {@code ->release}). The caller unmaps the file's VMAs first,
     * as the kernel's VMAs hold file references that keep ->release from running while one exists.
     *
     * @param cpu the calling CPU
     */
    public void release(Cpu cpu) {
        if (fops != null) {
            fops.release(cpu, this);
        }
    }

    @Override
    public String toString() {
        return String.format("file %s (%02x:%02x %d)", path, devMajor, devMinor, ino);
    }
}
