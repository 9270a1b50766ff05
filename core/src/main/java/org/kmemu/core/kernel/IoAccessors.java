package org.kmemu.core.kernel;

import java.nio.ByteOrder;
import org.kmemu.api.Access;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;

/**
 * The MMIO accessors of include/asm-generic/io.h and lib/iomap.c, on an ioremapped address: each is a load or
 * store of the calling CPU through its MMU (the kernel page tables, its TLB), exactly the instruction a
 * real kernel's accessor compiles to, and so reaches the device behind the physical address with its side
 * effects, or raises what the architecture raises for a bad address (a page fault oops, a machine check).
 *
 * <h2>Byte order</h2>
 * PCI and most on-chip buses are little-endian, so the plain accessors are little-endian on every CPU:
 * <ul>
 *   <li>{@code ioread8/16/32/64}, {@code iowrite8/16/32/64}, {@code readb/w/l/q}, {@code writeb/w/l/q}: the
 *       value's bytes on the bus are in little-endian order. On x86 that is the CPU's own order, so they are
 *       plain loads and stores; on big-endian e500 they are the byte-reversed loads and stores
 *       ({@code in_le32} is {@code lwbrx}, arch/powerpc/include/asm/io.h).</li>
 *   <li>{@code ioread16be/32be}, {@code iowrite16be/32be}: big-endian on the bus: a swap on x86
 *       ({@code swab32(readl())}, lib/iomap.c), a plain access on e500.</li>
 *   <li>{@code __raw_read*} / {@code __raw_write*}: the CPU's own order, never swapped (a plain load or store,
 *       as a C dereference of the ioremapped pointer is).</li>
 *   <li>The {@code _rep} forms ({@code ioread32_rep}, {@code iowrite16_rep}, ...): {@code count} accesses to
 *       ONE register (a FIFO), moving the data to or from a kernel buffer unswapped, since it is a byte stream
 *       ({@code readsl}/{@code insl} use the raw accessors).</li>
 *   <li>{@code memcpy_toio}, {@code memcpy_fromio}, {@code memset_io}: bulk copies through the MMU; on a
 *       device window they arrive as single-byte accesses, as on a bus without burst transfers.</li>
 * </ul>
 * Values come back as C's unsigned types would: 8- and 16-bit reads zero-extended into an {@code int}.
 *
 * <p>No allocation per access: each accessor is a TLB lookup and, for a device page, the device's
 * {@code read}/{@code write}. Thread-safe as the CPU is: call it on the CPU's thread.
 */
public final class IoAccessors {
    private final PhysicalMemory memory;
    /** The CPU is big-endian: the little-endian accessors swap. */
    private final boolean bigEndian;
    private final long pageMask;

    /**
     * @param memory    physical memory (the byte order of the CPU, memset_io's fill)
     * @param pageShift PAGE_SHIFT
     */
    public IoAccessors(PhysicalMemory memory, int pageShift) {
        this.memory = memory;
        this.bigEndian = memory.byteOrder() == ByteOrder.BIG_ENDIAN;
        this.pageMask = (1L << pageShift) - 1;
    }

    // ---- little-endian on the bus ----------------------------------------------------------------

    /** @param cpu the calling CPU @param addr an ioremapped address @return {@code ioread8(addr)} */
    public int ioread8(Cpu cpu, long addr) {
        return cpu.load8(addr) & 0xff;
    }

    /** @param cpu the calling CPU @param addr an ioremapped address @return {@code ioread16(addr)}, zero-extended */
    public int ioread16(Cpu cpu, long addr) {
        short v = cpu.load16(addr);
        return (bigEndian ? Short.reverseBytes(v) : v) & 0xffff;
    }

    /** @param cpu the calling CPU @param addr an ioremapped address @return {@code ioread32(addr)} */
    public int ioread32(Cpu cpu, long addr) {
        int v = cpu.load32(addr);
        return bigEndian ? Integer.reverseBytes(v) : v;
    }

    /** @param cpu the calling CPU @param addr an ioremapped address @return {@code ioread64(addr)} (readq) */
    public long ioread64(Cpu cpu, long addr) {
        long v = cpu.load64(addr);
        return bigEndian ? Long.reverseBytes(v) : v;
    }

    /** @param cpu the calling CPU @param value the low 8 bits are stored @param addr an ioremapped address */
    public void iowrite8(Cpu cpu, int value, long addr) {
        cpu.store8(addr, (byte) value);
    }

    /** @param cpu the calling CPU @param value the low 16 bits are stored @param addr an ioremapped address */
    public void iowrite16(Cpu cpu, int value, long addr) {
        short v = (short) value;
        cpu.store16(addr, bigEndian ? Short.reverseBytes(v) : v);
    }

    /** @param cpu the calling CPU @param value the value @param addr an ioremapped address */
    public void iowrite32(Cpu cpu, int value, long addr) {
        cpu.store32(addr, bigEndian ? Integer.reverseBytes(value) : value);
    }

    /** @param cpu the calling CPU @param value the value @param addr an ioremapped address */
    public void iowrite64(Cpu cpu, long value, long addr) {
        cpu.store64(addr, bigEndian ? Long.reverseBytes(value) : value);
    }

    /** {@code readb}: {@link #ioread8} on MMIO. @param cpu the CPU @param addr the address @return the byte */
    public int readb(Cpu cpu, long addr) {
        return ioread8(cpu, addr);
    }

    /** {@code readw}. @param cpu the CPU @param addr the address @return the 16-bit value, little-endian on the bus */
    public int readw(Cpu cpu, long addr) {
        return ioread16(cpu, addr);
    }

    /** {@code readl}. @param cpu the CPU @param addr the address @return the 32-bit value, little-endian on the bus */
    public int readl(Cpu cpu, long addr) {
        return ioread32(cpu, addr);
    }

    /** {@code readq}. @param cpu the CPU @param addr the address @return the 64-bit value, little-endian on the bus */
    public long readq(Cpu cpu, long addr) {
        return ioread64(cpu, addr);
    }

    /** {@code writeb}. @param cpu the CPU @param value the byte @param addr the address */
    public void writeb(Cpu cpu, int value, long addr) {
        iowrite8(cpu, value, addr);
    }

    /** {@code writew}. @param cpu the CPU @param value the 16-bit value @param addr the address */
    public void writew(Cpu cpu, int value, long addr) {
        iowrite16(cpu, value, addr);
    }

    /** {@code writel}. @param cpu the CPU @param value the value @param addr the address */
    public void writel(Cpu cpu, int value, long addr) {
        iowrite32(cpu, value, addr);
    }

    /** {@code writeq}. @param cpu the CPU @param value the value @param addr the address */
    public void writeq(Cpu cpu, long value, long addr) {
        iowrite64(cpu, value, addr);
    }

    // ---- big-endian on the bus -------------------------------------------------------------------

    /** @param cpu the CPU @param addr the address @return {@code ioread16be(addr)}, zero-extended */
    public int ioread16be(Cpu cpu, long addr) {
        short v = cpu.load16(addr);
        return (bigEndian ? v : Short.reverseBytes(v)) & 0xffff;
    }

    /** @param cpu the CPU @param addr the address @return {@code ioread32be(addr)} */
    public int ioread32be(Cpu cpu, long addr) {
        int v = cpu.load32(addr);
        return bigEndian ? v : Integer.reverseBytes(v);
    }

    /** @param cpu the CPU @param value the low 16 bits @param addr the address */
    public void iowrite16be(Cpu cpu, int value, long addr) {
        short v = (short) value;
        cpu.store16(addr, bigEndian ? v : Short.reverseBytes(v));
    }

    /** @param cpu the CPU @param value the value @param addr the address */
    public void iowrite32be(Cpu cpu, int value, long addr) {
        cpu.store32(addr, bigEndian ? value : Integer.reverseBytes(value));
    }

    // ---- raw: the CPU's order --------------------------------------------------------------------

    /** @param cpu the CPU @param addr the address @return {@code __raw_readb(addr)} */
    public int rawReadb(Cpu cpu, long addr) {
        return cpu.load8(addr) & 0xff;
    }

    /** @param cpu the CPU @param addr the address @return {@code __raw_readw(addr)}, zero-extended */
    public int rawReadw(Cpu cpu, long addr) {
        return cpu.load16(addr) & 0xffff;
    }

    /** @param cpu the CPU @param addr the address @return {@code __raw_readl(addr)} */
    public int rawReadl(Cpu cpu, long addr) {
        return cpu.load32(addr);
    }

    /** @param cpu the CPU @param addr the address @return {@code __raw_readq(addr)} */
    public long rawReadq(Cpu cpu, long addr) {
        return cpu.load64(addr);
    }

    /** @param cpu the CPU @param value the byte @param addr the address */
    public void rawWriteb(Cpu cpu, int value, long addr) {
        cpu.store8(addr, (byte) value);
    }

    /** @param cpu the CPU @param value the low 16 bits @param addr the address */
    public void rawWritew(Cpu cpu, int value, long addr) {
        cpu.store16(addr, (short) value);
    }

    /** @param cpu the CPU @param value the value @param addr the address */
    public void rawWritel(Cpu cpu, int value, long addr) {
        cpu.store32(addr, value);
    }

    /** @param cpu the CPU @param value the value @param addr the address */
    public void rawWriteq(Cpu cpu, long value, long addr) {
        cpu.store64(addr, value);
    }

    // ---- repeated access to one register ---------------------------------------------------------

    /**
     * {@code ioread8_rep(addr, buf, count)}: reads the register {@code count} times into the buffer.
     *
     * @param cpu   the calling CPU
     * @param addr  the register's ioremapped address
     * @param buf   a kernel virtual address of {@code count} bytes
     * @param count how many reads
     */
    public void ioread8Rep(Cpu cpu, long addr, long buf, int count) {
        for (int i = 0; i < count; i++) {
            cpu.store8(buf + i, cpu.load8(addr));
        }
    }

    /** {@code ioread16_rep}: as {@link #ioread8Rep}, 16 bits each. @param cpu the CPU @param addr the register @param buf the buffer @param count reads */
    public void ioread16Rep(Cpu cpu, long addr, long buf, int count) {
        for (int i = 0; i < count; i++) {
            cpu.store16(buf + 2L * i, cpu.load16(addr));
        }
    }

    /** {@code ioread32_rep}: as {@link #ioread8Rep}, 32 bits each. @param cpu the CPU @param addr the register @param buf the buffer @param count reads */
    public void ioread32Rep(Cpu cpu, long addr, long buf, int count) {
        for (int i = 0; i < count; i++) {
            cpu.store32(buf + 4L * i, cpu.load32(addr));
        }
    }

    /**
     * {@code iowrite8_rep(addr, buf, count)}: writes the buffer to the register, one access per element.
     *
     * @param cpu   the calling CPU
     * @param addr  the register's ioremapped address
     * @param buf   a kernel virtual address of {@code count} bytes
     * @param count how many writes
     */
    public void iowrite8Rep(Cpu cpu, long addr, long buf, int count) {
        for (int i = 0; i < count; i++) {
            cpu.store8(addr, cpu.load8(buf + i));
        }
    }

    /** {@code iowrite16_rep}. @param cpu the CPU @param addr the register @param buf the buffer @param count writes */
    public void iowrite16Rep(Cpu cpu, long addr, long buf, int count) {
        for (int i = 0; i < count; i++) {
            cpu.store16(addr, cpu.load16(buf + 2L * i));
        }
    }

    /** {@code iowrite32_rep}. @param cpu the CPU @param addr the register @param buf the buffer @param count writes */
    public void iowrite32Rep(Cpu cpu, long addr, long buf, int count) {
        for (int i = 0; i < count; i++) {
            cpu.store32(addr, cpu.load32(buf + 4L * i));
        }
    }

    // ---- bulk ------------------------------------------------------------------------------------

    /**
     * {@code memcpy_toio(dst, src, len)}.
     *
     * @param cpu the calling CPU
     * @param dst an ioremapped address
     * @param src a kernel virtual address
     * @param len bytes
     */
    public void memcpyToio(Cpu cpu, long dst, long src, long len) {
        cpu.copy(dst, src, len);
    }

    /**
     * {@code memcpy_fromio(dst, src, len)}.
     *
     * @param cpu the calling CPU
     * @param dst a kernel virtual address
     * @param src an ioremapped address
     * @param len bytes
     */
    public void memcpyFromio(Cpu cpu, long dst, long src, long len) {
        cpu.copy(dst, src, len);
    }

    /**
     * {@code memset_io(addr, value, len)}: a page at a time through the MMU.
     *
     * @param cpu   the calling CPU
     * @param addr  an ioremapped address
     * @param value the byte
     * @param len   bytes
     */
    public void memsetIo(Cpu cpu, long addr, int value, long len) {
        while (len > 0) {
            long n = Math.min(len, pageMask + 1 - (addr & pageMask));
            memory.fill(cpu.translate(addr, Access.WRITE), (byte) value, n);
            addr += n;
            len -= n;
        }
    }
}
