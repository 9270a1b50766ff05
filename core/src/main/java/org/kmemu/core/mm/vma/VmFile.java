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
 */
public record VmFile(String path, int devMajor, int devMinor, long ino) {
    @Override
    public boolean equals(Object o) {
        return this == o; // identity, as struct file pointers compare
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
