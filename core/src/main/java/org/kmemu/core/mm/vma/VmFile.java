package org.kmemu.core.mm.vma;

/**
 * A mapped file's identity ({@code vma->vm_file}) until kmemu has a file system: two VMAs map the same
 * file exactly when they hold the same {@code VmFile} object (the kernel compares the {@code struct file}
 * pointers). The device and inode numbers and the path are what /proc/PID/maps prints.
 *
 * @param path     the file's path as d_path prints it
 * @param devMajor the device's major number
 * @param devMinor the device's minor number
 * @param ino      the inode number
 * @param vmOps    {@code vma->vm_ops}: the page cache's {@code ->fault}, or null while the file has none
 */
public record VmFile(String path, int devMajor, int devMinor, long ino, org.kmemu.core.mm.memory.VmOperations vmOps) {
    /**
     * A file with no {@code vm_ops} yet: a fault on its pages is VM_FAULT_SIGBUS (mm/memory.c do_fault
     * without {@code ->fault}).
     *
     * @param path     the path
     * @param devMajor the device's major number
     * @param devMinor the device's minor number
     * @param ino      the inode number
     */
    public VmFile(String path, int devMajor, int devMinor, long ino) {
        this(path, devMajor, devMinor, ino, null);
    }

    @Override
    public boolean equals(Object o) {
        return this == o; // identity, as struct file pointers compare
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
