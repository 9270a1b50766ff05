package org.kmemu.core.mm.vma;

import org.kmemu.core.mm.memory.VmOperations;

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

    @Override
    public String toString() {
        return String.format("file %s (%02x:%02x %d)", path, devMajor, devMinor, ino);
    }
}
