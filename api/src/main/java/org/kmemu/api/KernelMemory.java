package org.kmemu.api;

/**
 * The machine's memory as kernel code sees it through the direct map: loads and stores at kernel
 * virtual addresses of lowmem, in the machine's byte order. Slab policies use it to keep their free
 * lists inside free objects, as SLUB keeps its free pointer in the object. Addresses outside the
 * direct map are an {@link IllegalArgumentException}. Thread-safe as RAM is: accesses to different
 * bytes are independent.
 *
 * <p><b>Who calls it.</b> Slab policies, on the thread of the CPU they act for. The host implements
 * it (kmemu-tck's {@code SlabFixtures} too).
 *
 * @since 1.0
 */
@HostProvided
public interface KernelMemory {

    /** @param vaddr a direct-mapped address @return the 64-bit value there */
    long readLong(long vaddr);

    /** @param vaddr a direct-mapped address @param value the value to store */
    void writeLong(long vaddr, long value);

    /** @param vaddr a direct-mapped address @return the 32-bit value there */
    int readInt(long vaddr);

    /** @param vaddr a direct-mapped address @param value the value to store */
    void writeInt(long vaddr, int value);

    /**
     * memset.
     *
     * @param vaddr first address
     * @param value the byte
     * @param len   how many bytes
     */
    void fill(long vaddr, byte value, long len);

    /**
     * memcpy between two direct-mapped ranges that do not overlap.
     *
     * @param dst destination address
     * @param src source address
     * @param len bytes
     */
    void copy(long dst, long src, long len);
}
