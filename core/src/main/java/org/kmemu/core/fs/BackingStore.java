package org.kmemu.core.fs;

import java.util.HashMap;
import java.util.Map;

/**
 * One file's blocks on the emulated disk: what "disk I/O" reads into the page cache and writeback
 * writes back. Blocks are {@link #BLOCK_SIZE} bytes, allocated on first write; a block never written
 * is a hole and reads as zeros, so a sparse multi-gigabyte file costs only its written blocks. The
 * disk knows nothing of i_size: {@link Inode} keeps it and cuts reads at it.
 *
 * <p>Thread-safe: every method holds this object's monitor (a disk request is atomic).
 */
final class BackingStore {
    /** The disk block size in bytes (ext4's usual 4 KiB). */
    static final int BLOCK_SIZE = 4096;
    private static final int BLOCK_SHIFT = 12;

    private final Map<Long, byte[]> blocks = new HashMap<>();

    /**
     * Reads bytes; holes read as zeros.
     *
     * @param offset the byte offset on the file
     * @param dst    where to put them
     * @param dstOff the first byte of dst
     * @param len    how many
     */
    synchronized void read(long offset, byte[] dst, int dstOff, int len) {
        while (len > 0) {
            long block = offset >>> BLOCK_SHIFT;
            int in = (int) (offset & (BLOCK_SIZE - 1));
            int n = Math.min(len, BLOCK_SIZE - in);
            byte[] b = blocks.get(block);
            if (b == null) {
                java.util.Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
            } else {
                System.arraycopy(b, in, dst, dstOff, n);
            }
            offset += n;
            dstOff += n;
            len -= n;
        }
    }

    /**
     * Writes bytes, allocating blocks as needed.
     *
     * @param offset the byte offset on the file
     * @param src    the bytes
     * @param srcOff the first byte of src
     * @param len    how many
     */
    synchronized void write(long offset, byte[] src, int srcOff, int len) {
        while (len > 0) {
            long block = offset >>> BLOCK_SHIFT;
            int in = (int) (offset & (BLOCK_SIZE - 1));
            int n = Math.min(len, BLOCK_SIZE - in);
            byte[] b = blocks.computeIfAbsent(block, k -> new byte[BLOCK_SIZE]);
            System.arraycopy(src, srcOff, b, in, n);
            offset += n;
            srcOff += n;
            len -= n;
        }
    }

    /**
     * Frees the blocks past {@code size} and zeroes the tail of the block it ends in, as a file system's
     * truncate does ({@code ext4_truncate} frees blocks, {@code block_truncate_page} zeroes the tail).
     *
     * @param size the new file size in bytes
     */
    synchronized void truncate(long size) {
        long keep = (size + BLOCK_SIZE - 1) >>> BLOCK_SHIFT;
        blocks.keySet().removeIf(b -> b >= keep);
        int in = (int) (size & (BLOCK_SIZE - 1));
        byte[] last = in == 0 ? null : blocks.get(size >>> BLOCK_SHIFT);
        if (last != null) {
            java.util.Arrays.fill(last, in, BLOCK_SIZE, (byte) 0);
        }
    }

    /** @return the blocks allocated on the disk */
    synchronized int blocksAllocated() {
        return blocks.size();
    }
}
