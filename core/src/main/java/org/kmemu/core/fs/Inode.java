package org.kmemu.core.fs;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.kmemu.core.mm.vma.VmFile;

/**
 * {@code struct inode} of a regular file on {@link RamFs}: its number, its size ({@code i_size}), its
 * blocks on the emulated disk ({@link BackingStore}) and its page cache ({@link AddressSpace},
 * {@code inode->i_mapping}).
 *
 * <p>i_size is what readers and faults check against (EOF); it changes under {@link #rwsem()} (the
 * kernel's {@code i_rwsem}, held by writes and truncate), and is read without it, as
 * {@code i_size_read} does. The disk holds what writeback last wrote; the page cache holds the newer
 * bytes until then.
 */
public final class Inode {
    private final RamFs sb;
    private final long ino;
    private final String path;
    private final BackingStore disk = new BackingStore();
    private final ReentrantLock rwsem = new ReentrantLock();
    private final ReentrantReadWriteLock invalidateLock = new ReentrantReadWriteLock();
    private final GenericFileVmOps vmOps;
    private AddressSpace mapping;
    private volatile long size;

    Inode(RamFs sb, long ino, String path, long size) {
        this.sb = sb;
        this.ino = ino;
        this.path = path;
        this.size = size;
        this.vmOps = new GenericFileVmOps(sb.filemap(), this);
    }

    void setMapping(AddressSpace mapping) {
        this.mapping = mapping;
    }

    /** @return {@code i_ino} */
    public long ino() {
        return ino;
    }

    /** @return the path it was created at */
    public String path() {
        return path;
    }

    /** @return {@code i_size_read()}: the file size in bytes */
    public long size() {
        return size;
    }

    void setSizeLocked(long newSize) {
        assert rwsem.isHeldByCurrentThread();
        size = newSize;
    }

    /** @return {@code inode->i_mapping}: the page cache */
    public AddressSpace mapping() {
        return mapping;
    }

    /** @return the file system it lives on ({@code inode->i_sb}) */
    public RamFs superBlock() {
        return sb;
    }

    /** @return the operations its mappings get ({@code generic_file_vm_ops} bound to this inode) */
    public GenericFileVmOps vmOps() {
        return vmOps;
    }

    BackingStore disk() {
        return disk;
    }

    ReentrantLock rwsem() {
        return rwsem;
    }

    /**
     * {@code mapping->invalidate_lock}: shared by whoever adds pages from the disk (faults, reads),
     * exclusive for truncate, so no page is read in past an end that truncate is moving.
     */
    ReentrantReadWriteLock invalidateLock() {
        return invalidateLock;
    }

    /** @return the pages the file covers: DIV_ROUND_UP(i_size, PAGE_SIZE), the first index past EOF */
    long pagesCovered(int pageShift) {
        long s = size;
        return (s + (1L << pageShift) - 1) >>> pageShift;
    }

    /**
     * {@code open()}: a new struct file on this inode. Every call gives a new object: two opens are two
     * files, and VMAs of different opens do not merge.
     *
     * @return the open file, with this inode's page-cache fault operations
     */
    public VmFile open() {
        return new VmFile(path, RamFs.DEV_MAJOR, RamFs.DEV_MINOR, ino, vmOps);
    }

    /** @return the number of blocks the file has on the disk */
    public int diskBlocks() {
        return disk.blocksAllocated();
    }

    @Override
    public String toString() {
        return "inode " + ino + " (" + path + ")";
    }
}
