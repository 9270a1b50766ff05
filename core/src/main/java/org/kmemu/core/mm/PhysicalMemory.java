package org.kmemu.core.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * The machine's RAM: bytes at physical addresses, in the architecture's byte order.
 *
 * <p>Storage is lazy: RAM is cut into {@value #CHUNK_SIZE}-byte chunks and a chunk's {@code byte[]}
 * is allocated on its first write, so untouched RAM costs nothing and a machine may have far more
 * RAM than the JVM's heap as long as it does not write all of it. A read of a chunk never written
 * returns the poison byte in every position (0 by default, as zeroed RAM; a teacher may set 0x6b to
 * show uninitialised reads). Multi-byte values are read and written with {@link VarHandle} views in
 * the machine's byte order, so a big-endian e500 sees {@code 0x12345678} stored as 12 34 56 78.
 *
 * <p>Only usable RAM (the memory map's usable regions) is backed by chunks. An access elsewhere goes, off the
 * fast path, to the device whose window holds the address ({@link DeviceWindows}, attached at boot), or is a
 * bus error ({@link BusErrors}: the architecture's machine-check report on a booted machine, an
 * {@link IllegalArgumentException} naming the address otherwise). A device never shares a chunk with RAM
 * (placement refuses it), so a chunk that exists is all RAM and the fast path needs no device check.
 *
 * <p>Thread-safe like real RAM: concurrent accesses to different bytes are independent; concurrent
 * accesses to the same bytes race as they would on hardware. Chunks are published safely.
 */
public final class PhysicalMemory {
    /** log2 of the chunk size: 2 MiB, the x86 large-page size. */
    public static final int CHUNK_SHIFT = 21;
    /** Bytes per chunk. */
    public static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    private static final long CHUNK_MASK = CHUNK_SIZE - 1;
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(byte[][].class);
    // Static finals, one per byte order, so that the JIT inlines each access to a plain (byte-swapped)
    // load or store; a VarHandle held in an instance field is not a constant and costs a call.
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    /**
     * Whether the byte-array views support atomic access modes (compareAndSet, getAndSet): JDK 17 does for
     * aligned offsets; newer JDKs refuse them outright (a byte[] is not guaranteed 8-byte aligned), so there
     * the atomic operations below fall back to striped locks, which every page-table entry store also takes
     * ({@link #writeLongAtomic}), so that a walker's accessed/dirty update and the kernel's PTE updates
     * still never lose each other's write.
     */
    private static final boolean ATOMIC_VIEWS = probeAtomicViews();
    private static final int STRIPES = 64;

    private final Object[] stripes = new Object[STRIPES];
    private final byte[][] chunks;
    private final long[] ramStarts;
    private final long[] ramEnds;
    private final byte poison;
    private final long poisonLong;
    private final ByteOrder order;
    private final boolean bigEndian;
    private long chunksAllocated;
    private DeviceWindows devices = DeviceWindows.NONE;
    private BusErrors busErrors = BusErrors.NOT_RAM;

    /**
     * @param map    the memory map; its usable regions are the RAM
     * @param order  the architecture's byte order
     * @param poison the value of never-written bytes
     */
    public PhysicalMemory(MemoryMap map, ByteOrder order, byte poison) {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
        long end = 0;
        int n = 0;
        for (MemoryRegion r : map.regions()) {
            if (r.type() == RegionType.USABLE) {
                end = Math.max(end, r.end());
                n++;
            }
        }
        long nrChunks = (end + CHUNK_MASK) >>> CHUNK_SHIFT;
        if (nrChunks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("RAM end: " + end + " (expected: below 2^52 bytes)");
        }
        this.chunks = new byte[(int) nrChunks][];
        this.ramStarts = new long[n];
        this.ramEnds = new long[n];
        int i = 0;
        for (MemoryRegion r : map.regions()) {
            if (r.type() == RegionType.USABLE) {
                ramStarts[i] = r.start();
                ramEnds[i++] = r.end();
            }
        }
        this.poison = poison;
        long p = poison & 0xffL;
        this.poisonLong = p * 0x0101010101010101L;
        this.order = order;
        this.bigEndian = order == ByteOrder.BIG_ENDIAN;
    }

    /**
     * Puts devices on the bus and sets who reports bus errors; called once at boot, before any CPU runs
     * (the CPU threads start after it, which publishes both).
     *
     * @param windows the devices' windows, none of which shares a chunk with RAM
     * @param errors  makes the exception for an access with no RAM and no device behind it
     */
    public void attach(DeviceWindows windows, BusErrors errors) {
        this.devices = windows;
        this.busErrors = errors;
    }

    /** @return the devices on the bus */
    public DeviceWindows devices() {
        return devices;
    }

    /** @return the byte order of multi-byte values */
    public ByteOrder byteOrder() {
        return order;
    }

    /**
     * @param paddr a physical address
     * @return whether it is RAM that this memory backs
     */
    public boolean isRam(long paddr) {
        for (int i = 0; i < ramStarts.length; i++) {
            if (paddr >= ramStarts[i] && paddr < ramEnds[i]) {
                return true;
            }
        }
        return false;
    }

    /** @return how many chunks have been written so far (each {@value #CHUNK_SIZE} bytes of heap) */
    public synchronized long chunksAllocated() {
        return chunksAllocated;
    }

    /**
     * The chunk for reading, or null when there is none: RAM never written (reads see poison), a device
     * window or nothing at all; {@link #offChunkRead} tells them apart.
     */
    private byte[] chunkForRead(long paddr) {
        int c = (int) (paddr >>> CHUNK_SHIFT);
        if (paddr < 0 || c >= chunks.length) {
            return null;
        }
        byte[] chunk = chunks[c];
        if (chunk == null) {
            chunk = (byte[]) CHUNKS.getAcquire(chunks, c);
        }
        return chunk;
    }

    /** A read with no chunk behind it: poison from unwritten RAM, else the device there, else a bus error. */
    private long offChunkRead(long paddr, int size) {
        // The device first: windows never overlap RAM, and an MMIO read (ioread32) is the common case here.
        DeviceWindows.Window w = devices.find(paddr);
        if (w == null && isRam(paddr)) {
            return poisonLong;
        }
        if (w == null || !w.contains(paddr, size)) {
            throw busErrors.busError(paddr, size, org.kmemu.api.Access.READ);
        }
        return w.read(paddr, size, bigEndian);
    }

    /** A write with no RAM behind it: the device there, else a bus error. */
    private void offChunkWrite(long paddr, long value, int size) {
        DeviceWindows.Window w = devices.find(paddr);
        if (w == null || !w.contains(paddr, size)) {
            throw busErrors.busError(paddr, size, org.kmemu.api.Access.WRITE);
        }
        w.write(paddr, size, value, bigEndian);
    }

    /** The chunk for an atomic update, which only RAM (page tables) gets. */
    private byte[] ramChunkForWrite(long paddr) {
        byte[] chunk = chunkForWrite(paddr);
        if (chunk == null) {
            throw notRam(paddr);
        }
        return chunk;
    }

    /** The chunk for writing, allocated (and filled with poison) on first use; null where there is no RAM. */
    private byte[] chunkForWrite(long paddr) {
        int c = (int) (paddr >>> CHUNK_SHIFT);
        if (paddr >= 0 && c < chunks.length) {
            byte[] chunk = chunks[c];
            if (chunk != null) {
                return chunk;
            }
        }
        // A device window or a hole: answered without allocate()'s lock (the RAM ranges never change), so a
        // store to a device register (iowrite32 on an ioremapped page) takes no monitor.
        return isRam(paddr) ? allocate(paddr) : null;
    }

    private synchronized byte[] allocate(long paddr) {
        if (!isRam(paddr)) {
            return null;
        }
        int c = (int) (paddr >>> CHUNK_SHIFT);
        byte[] chunk = (byte[]) CHUNKS.getAcquire(chunks, c);
        if (chunk == null) {
            chunk = new byte[CHUNK_SIZE];
            if (poison != 0) {
                Arrays.fill(chunk, poison);
            }
            CHUNKS.setRelease(chunks, c, chunk);
            chunksAllocated++;
        }
        return chunk;
    }

    // ---- host access for TLBs, as QEMU's softmmu caches a host pointer per TLB entry ----------

    /**
     * @param paddr a physical address
     * @return the chunk that holds it if RAM there has been written, else null (reads see poison)
     */
    public byte[] chunkIfAllocated(long paddr) {
        int c = (int) (paddr >>> CHUNK_SHIFT);
        return paddr >= 0 && c < chunks.length ? (byte[]) CHUNKS.getAcquire(chunks, c) : null;
    }

    /**
     * @param paddr a physical address
     * @return the chunk that holds it, allocated if it was never written; null if it is not RAM (a device
     *         window or a hole: the caller goes through {@link #writeInt} and the like instead)
     */
    public byte[] writableChunk(long paddr) {
        return chunkForWrite(paddr);
    }

    /** @param paddr a physical address @return its offset inside its chunk */
    public static int chunkOffset(long paddr) {
        return (int) (paddr & CHUNK_MASK);
    }

    /** @param chunk a chunk @param off an offset, at most CHUNK_SIZE - 8 @return the 64-bit value there */
    public long getLong(byte[] chunk, int off) {
        return bigEndian ? (long) LONG_BE.get(chunk, off) : (long) LONG_LE.get(chunk, off);
    }

    /** @param chunk a chunk @param off an offset, at most CHUNK_SIZE - 4 @return the 32-bit value there */
    public int getInt(byte[] chunk, int off) {
        return bigEndian ? (int) INT_BE.get(chunk, off) : (int) INT_LE.get(chunk, off);
    }

    /** @param chunk a chunk @param off an offset, at most CHUNK_SIZE - 8 @param value the value to store */
    public void putLong(byte[] chunk, int off, long value) {
        if (bigEndian) {
            LONG_BE.set(chunk, off, value);
        } else {
            LONG_LE.set(chunk, off, value);
        }
    }

    /** @param chunk a chunk @param off an offset, at most CHUNK_SIZE - 4 @param value the value to store */
    public void putInt(byte[] chunk, int off, int value) {
        if (bigEndian) {
            INT_BE.set(chunk, off, value);
        } else {
            INT_LE.set(chunk, off, value);
        }
    }

    private static IllegalArgumentException notRam(long paddr) {
        return new IllegalArgumentException(String.format("physical address %#x is not RAM (expected: a usable region of the memory map)", paddr));
    }

    /**
     * @param paddr a physical address of RAM
     * @return the byte there
     */
    public byte readByte(long paddr) {
        byte[] chunk = chunkForRead(paddr);
        return chunk == null ? (byte) offChunkRead(paddr, 1) : chunk[(int) (paddr & CHUNK_MASK)];
    }

    /**
     * @param paddr a physical address of RAM
     * @param value the byte to store
     */
    public void writeByte(long paddr, byte value) {
        byte[] chunk = chunkForWrite(paddr);
        if (chunk == null) {
            offChunkWrite(paddr, value, 1);
            return;
        }
        chunk[(int) (paddr & CHUNK_MASK)] = value;
    }

    /**
     * @param paddr a physical address of RAM; the value may cross a chunk boundary
     * @return the 16-bit value there, in the machine's byte order
     */
    public short readShort(long paddr) {
        int off = (int) (paddr & CHUNK_MASK);
        if (off <= CHUNK_SIZE - 2) {
            byte[] chunk = chunkForRead(paddr);
            return chunk == null ? (short) offChunkRead(paddr, 2) : (bigEndian ? (short) SHORT_BE.get(chunk, off) : (short) SHORT_LE.get(chunk, off));
        }
        return (short) readSlow(paddr, 2);
    }

    /**
     * @param paddr a physical address of RAM
     * @return the 32-bit value there, in the machine's byte order
     */
    public int readInt(long paddr) {
        int off = (int) (paddr & CHUNK_MASK);
        if (off <= CHUNK_SIZE - 4) {
            byte[] chunk = chunkForRead(paddr);
            return chunk == null ? (int) offChunkRead(paddr, 4) : (bigEndian ? (int) INT_BE.get(chunk, off) : (int) INT_LE.get(chunk, off));
        }
        return (int) readSlow(paddr, 4);
    }

    /**
     * @param paddr a physical address of RAM
     * @return the 64-bit value there, in the machine's byte order
     */
    public long readLong(long paddr) {
        int off = (int) (paddr & CHUNK_MASK);
        if (off <= CHUNK_SIZE - 8) {
            byte[] chunk = chunkForRead(paddr);
            return chunk == null ? offChunkRead(paddr, 8) : (bigEndian ? (long) LONG_BE.get(chunk, off) : (long) LONG_LE.get(chunk, off));
        }
        return readSlow(paddr, 8);
    }

    /**
     * @param paddr a physical address of RAM
     * @param value the 16-bit value, stored in the machine's byte order
     */
    public void writeShort(long paddr, short value) {
        int off = (int) (paddr & CHUNK_MASK);
        if (off <= CHUNK_SIZE - 2) {
            byte[] chunk = chunkForWrite(paddr);
            if (chunk == null) {
                offChunkWrite(paddr, value, 2);
            } else if (bigEndian) {
                SHORT_BE.set(chunk, off, value);
            } else {
                SHORT_LE.set(chunk, off, value);
            }
        } else {
            writeSlow(paddr, value, 2);
        }
    }

    /**
     * @param paddr a physical address of RAM
     * @param value the 32-bit value, stored in the machine's byte order
     */
    public void writeInt(long paddr, int value) {
        int off = (int) (paddr & CHUNK_MASK);
        if (off <= CHUNK_SIZE - 4) {
            byte[] chunk = chunkForWrite(paddr);
            if (chunk == null) {
                offChunkWrite(paddr, value, 4);
            } else if (bigEndian) {
                INT_BE.set(chunk, off, value);
            } else {
                INT_LE.set(chunk, off, value);
            }
        } else {
            writeSlow(paddr, value, 4);
        }
    }

    /**
     * @param paddr a physical address of RAM
     * @param value the 64-bit value, stored in the machine's byte order
     */
    public void writeLong(long paddr, long value) {
        int off = (int) (paddr & CHUNK_MASK);
        if (off <= CHUNK_SIZE - 8) {
            byte[] chunk = chunkForWrite(paddr);
            if (chunk == null) {
                offChunkWrite(paddr, value, 8);
            } else if (bigEndian) {
                LONG_BE.set(chunk, off, value);
            } else {
                LONG_LE.set(chunk, off, value);
            }
        } else {
            writeSlow(paddr, value, 8);
        }
    }

    /**
     * An atomic compare-and-set of an aligned 64-bit word, as a locked {@code cmpxchg} does: the MMU's
     * accessed/dirty update and the page-table code's {@code ptep_get_and_clear} use it so that a
     * hardware walker on one CPU and the kernel on another never lose each other's PTE update.
     *
     * @param paddr  an 8-byte aligned physical address of RAM
     * @param expect the value expected there
     * @param value  the new value, in the machine's byte order
     * @return whether the word held {@code expect} and now holds {@code value}
     */
    public boolean compareAndSetLong(long paddr, long expect, long value) {
        byte[] chunk = ramChunkForWrite(paddr);
        int off = (int) (paddr & CHUNK_MASK);
        if (!ATOMIC_VIEWS) {
            synchronized (stripe(paddr)) {
                if ((long) (bigEndian ? LONG_BE.get(chunk, off) : LONG_LE.get(chunk, off)) != expect) {
                    return false;
                }
                writeLong(paddr, value);
                return true;
            }
        }
        return bigEndian ? LONG_BE.compareAndSet(chunk, off, expect, value) : LONG_LE.compareAndSet(chunk, off, expect, value);
    }

    /**
     * The 32-bit {@link #compareAndSetLong}.
     *
     * @param paddr  a 4-byte aligned physical address of RAM
     * @param expect the value expected there
     * @param value  the new value
     * @return whether the swap happened
     */
    public boolean compareAndSetInt(long paddr, int expect, int value) {
        byte[] chunk = ramChunkForWrite(paddr);
        int off = (int) (paddr & CHUNK_MASK);
        if (!ATOMIC_VIEWS) {
            synchronized (stripe(paddr)) {
                if ((int) (bigEndian ? INT_BE.get(chunk, off) : INT_LE.get(chunk, off)) != expect) {
                    return false;
                }
                writeInt(paddr, value);
                return true;
            }
        }
        return bigEndian ? INT_BE.compareAndSet(chunk, off, expect, value) : INT_LE.compareAndSet(chunk, off, expect, value);
    }

    /**
     * An atomic exchange of an aligned 64-bit word ({@code xchg}, x86's {@code ptep_get_and_clear}).
     *
     * @param paddr an 8-byte aligned physical address of RAM
     * @param value the new value
     * @return the old value
     */
    public long getAndSetLong(long paddr, long value) {
        byte[] chunk = ramChunkForWrite(paddr);
        int off = (int) (paddr & CHUNK_MASK);
        if (!ATOMIC_VIEWS) {
            synchronized (stripe(paddr)) {
                long old = (long) (bigEndian ? LONG_BE.get(chunk, off) : LONG_LE.get(chunk, off));
                writeLong(paddr, value);
                return old;
            }
        }
        return bigEndian ? (long) LONG_BE.getAndSet(chunk, off, value) : (long) LONG_LE.getAndSet(chunk, off, value);
    }

    /**
     * The 32-bit {@link #getAndSetLong}.
     *
     * @param paddr a 4-byte aligned physical address of RAM
     * @param value the new value
     * @return the old value
     */
    public int getAndSetInt(long paddr, int value) {
        byte[] chunk = ramChunkForWrite(paddr);
        int off = (int) (paddr & CHUNK_MASK);
        if (!ATOMIC_VIEWS) {
            synchronized (stripe(paddr)) {
                int old = (int) (bigEndian ? INT_BE.get(chunk, off) : INT_LE.get(chunk, off));
                writeInt(paddr, value);
                return old;
            }
        }
        return bigEndian ? (int) INT_BE.getAndSet(chunk, off, value) : (int) INT_LE.getAndSet(chunk, off, value);
    }

    /**
     * A store of an aligned 64-bit word that the atomic operations above see whole and in order: what every
     * page-table entry store uses ({@code set_pte}), so that it cannot fall between the read and the write of
     * another CPU's {@link #compareAndSetLong} where those run under a lock (newer JDKs).
     *
     * @param paddr an 8-byte aligned physical address of RAM
     * @param value the new value
     */
    public void writeLongAtomic(long paddr, long value) {
        if (ATOMIC_VIEWS) {
            writeLong(paddr, value);
            return;
        }
        synchronized (stripe(paddr)) {
            writeLong(paddr, value);
        }
    }

    /**
     * The 32-bit {@link #writeLongAtomic}.
     *
     * @param paddr a 4-byte aligned physical address of RAM
     * @param value the new value
     */
    public void writeIntAtomic(long paddr, int value) {
        if (ATOMIC_VIEWS) {
            writeInt(paddr, value);
            return;
        }
        synchronized (stripe(paddr)) {
            writeInt(paddr, value);
        }
    }

    private Object stripe(long paddr) {
        return stripes[(int) (paddr >>> 3) & (STRIPES - 1)];
    }

    private static boolean probeAtomicViews() {
        try {
            LONG_LE.compareAndSet(new byte[16], 0, 0L, 1L);
            INT_LE.getAndSet(new byte[16], 0, 1);
            return true;
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * Copies bytes out of RAM.
     *
     * @param paddr  first physical address
     * @param dst    destination array
     * @param dstOff offset in it
     * @param len    bytes to copy
     */
    public void read(long paddr, byte[] dst, int dstOff, int len) {
        while (len > 0) {
            int off = (int) (paddr & CHUNK_MASK);
            int n = Math.min(len, CHUNK_SIZE - off);
            byte[] chunk = chunkForRead(paddr);
            if (chunk == null) {
                n = offChunkBulkRead(paddr, dst, dstOff, n);
            } else {
                System.arraycopy(chunk, off, dst, dstOff, n);
            }
            paddr += n;
            dstOff += n;
            len -= n;
        }
    }

    /**
     * Copies bytes into RAM.
     *
     * @param paddr  first physical address
     * @param src    source array
     * @param srcOff offset in it
     * @param len    bytes to copy
     */
    public void write(long paddr, byte[] src, int srcOff, int len) {
        while (len > 0) {
            int off = (int) (paddr & CHUNK_MASK);
            int n = Math.min(len, CHUNK_SIZE - off);
            byte[] chunk = chunkForWrite(paddr);
            if (chunk == null) {
                n = offChunkBulkWrite(paddr, src, srcOff, n);
            } else {
                System.arraycopy(src, srcOff, chunk, off, n);
            }
            paddr += n;
            srcOff += n;
            len -= n;
        }
    }

    /**
     * Copies within RAM, as memcpy between two physical ranges that do not overlap.
     *
     * @param dst destination physical address
     * @param src source physical address
     * @param len bytes
     */
    public void copy(long dst, long src, int len) {
        while (len > 0) {
            int dOff = (int) (dst & CHUNK_MASK);
            int sOff = (int) (src & CHUNK_MASK);
            int n = Math.min(len, Math.min(CHUNK_SIZE - dOff, CHUNK_SIZE - sOff));
            byte[] from = chunkForRead(src);
            byte[] to = chunkForWrite(dst);
            if (to == null || (from == null && !isRam(src))) {
                // A device on either side: a byte at a time, as memcpy_toio/memcpy_fromio on a simple bus.
                copyBytes(dst, to, dOff, src, from, sOff, n);
            } else if (from == null) {
                Arrays.fill(to, dOff, dOff + n, poison);
            } else {
                System.arraycopy(from, sOff, to, dOff, n);
            }
            dst += n;
            src += n;
            len -= n;
        }
    }

    /**
     * A copy with a device on one side or both, a byte access at a time. The common cases, written RAM to one
     * device window (memcpy_toio) and one device window to RAM (memcpy_fromio), look the window up once.
     */
    private void copyBytes(long dst, byte[] to, int dOff, long src, byte[] from, int sOff, int n) {
        DeviceWindows.Window w;
        if (to == null && from != null && (w = devices.find(dst)) != null && w.contains(dst, n)) {
            for (int i = 0; i < n; i++) {
                w.write(dst + i, 1, from[sOff + i], bigEndian);
            }
        } else if (from == null && to != null && (w = devices.find(src)) != null && w.contains(src, n)) {
            for (int i = 0; i < n; i++) {
                to[dOff + i] = (byte) w.read(src + i, 1, bigEndian);
            }
        } else {
            for (int i = 0; i < n; i++) {
                writeByte(dst + i, readByte(src + i));
            }
        }
    }

    /**
     * Fills RAM with one byte value (memset; clear_page uses 0).
     *
     * @param paddr first physical address
     * @param value the byte
     * @param len   bytes
     */
    public void fill(long paddr, byte value, long len) {
        while (len > 0) {
            int off = (int) (paddr & CHUNK_MASK);
            int n = (int) Math.min(len, CHUNK_SIZE - off);
            byte[] chunk = chunkForWrite(paddr);
            if (chunk == null) {
                for (int i = 0; i < n; i++) {
                    offChunkWrite(paddr + i, value, 1);
                }
            } else {
                Arrays.fill(chunk, off, off + n, value);
            }
            paddr += n;
            len -= n;
        }
    }

    /** Unwritten RAM reads as poison in bulk; anything else a byte at a time. @return n */
    private int offChunkBulkRead(long paddr, byte[] dst, int dstOff, int n) {
        if (isRam(paddr)) {
            Arrays.fill(dst, dstOff, dstOff + n, poison);
        } else {
            for (int i = 0; i < n; i++) {
                dst[dstOff + i] = (byte) offChunkRead(paddr + i, 1);
            }
        }
        return n;
    }

    /** A bulk write where there is no RAM: a byte at a time to the device. @return n */
    private int offChunkBulkWrite(long paddr, byte[] src, int srcOff, int n) {
        for (int i = 0; i < n; i++) {
            offChunkWrite(paddr + i, src[srcOff + i], 1);
        }
        return n;
    }

    private long readSlow(long paddr, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            long b = readByte(paddr + i) & 0xffL;
            v |= bigEndian ? b << (8 * (size - 1 - i)) : b << (8 * i);
        }
        return v;
    }

    private void writeSlow(long paddr, long value, int size) {
        for (int i = 0; i < size; i++) {
            int shift = bigEndian ? 8 * (size - 1 - i) : 8 * i;
            writeByte(paddr + i, (byte) (value >>> shift));
        }
    }
}
