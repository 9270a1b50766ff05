package org.kmemu.core.kernel;

import org.kmemu.api.Access;
import org.kmemu.api.Errno;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.FixupException;

/**
 * The kernel's user-access helpers: {@code access_ok}, {@code copy_to_user}, {@code copy_from_user},
 * {@code get_user}, {@code put_user}, {@code clear_user}, {@code strncpy_from_user} and
 * {@code strnlen_user}, with the kernel's return conventions (include/linux/uaccess.h,
 * include/asm-generic/access_ok.h, lib/strncpy_from_user.c, lib/strnlen_user.c, arch/x86/lib/usercopy_64.c).
 *
 * <h2>How a user access is made</h2>
 * Each user page is translated through the calling CPU's MMU with the uaccess window open
 * ({@code stac}: {@link Cpu#userAccessBegin}) and the exception-table window open
 * ({@link Cpu#uaccessFixupBegin}): a missing page goes to the machine's page-fault handler, which may map it
 * (the access then goes on); a fault it cannot resolve is fixed up ({@link FixupException}) and the helper
 * stops there, so a copy that runs from a mapped into an unmapped page copies exactly up to the hole, as
 * x86's {@code rep movsb} with its {@code _ASM_EXTABLE_UA} entry does. Kernel-side accesses are made with
 * both windows closed: a bad kernel buffer is the oops. (Linux's copy instruction has its entry for both
 * operands, so there a bad kernel pointer inside the copy is fixed up too; kmemu reports it instead.)
 * Under {@code pagefault_disable()} (kmap_atomic) or a preempt count the handler is never called: a page
 * that is not present fails at once.
 *
 * <h2>Return conventions</h2>
 * <ul>
 *   <li>{@code access_ok(addr, size)}: [addr, addr + size) lies below TASK_SIZE, without overflow.</li>
 *   <li>{@code copy_to_user}, {@code copy_from_user}, {@code clear_user}: the number of bytes NOT copied
 *       (0 on success, n when access_ok refuses). {@code copy_from_user} zeroes the uncopied tail of the
 *       kernel buffer.</li>
 *   <li>{@code get_user}, {@code put_user}: 0 or -EFAULT; get_user's value is 0 on a fault.</li>
 *   <li>{@code strncpy_from_user}: the string's length without the NUL, {@code count} if there is no NUL
 *       within count bytes, -EFAULT on a fault or at the end of user space.</li>
 *   <li>{@code strnlen_user}: the length with the NUL, count + 1 if there is none within count, 0 on a
 *       fault.</li>
 * </ul>
 *
 * <h2>Sleeping</h2>
 * The helpers may sleep (the fault handler may wait for the mmap lock or for I/O): each calls
 * {@code might_fault()}, the "sleeping function called from invalid context" report in atomic context,
 * silent under {@code pagefault_disable()}. {@code strnlen_user} has no might_fault in the kernel and none
 * here. Fault injection ({@code should_fail_usercopy}) and hardened usercopy's object checks are not modelled.
 *
 * <p>The hot path of a copy is one TLB lookup per page on each side and one {@code System.arraycopy} per
 * page; no allocation. Thread-safe: each call touches only the calling CPU and the RAM it copies.
 */
public final class Uaccess {
    /** The MMU translates 4 KiB at a time (larger pages are cached as their 4 KiB fragments). */
    private static final int CHUNK = 4096;
    private static final long NO_PHYS = -1;

    private final PhysicalMemory memory;
    private final long taskSize;
    private final MightSleep mightSleep;
    private final UserCopyPath copyPath;

    /**
     * How {@code raw_copy_to_user}/{@code raw_copy_from_user} reach user pages when they do not go through
     * the CPU's MMU: i386's 4G/4G path (get_user_pages + kmap_atomic + memcpy per page).
     */
    @FunctionalInterface
    public interface UserCopyPath {
        /**
         * @param cpu    the calling CPU
         * @param user   the user address (access_ok already passed)
         * @param kernel the kernel address
         * @param n      bytes
         * @param toUser true for copy_to_user
         * @return the bytes not copied
         */
        long copy(Cpu cpu, long user, long kernel, long n, boolean toUser);
    }

    /**
     * The direct path: user pages are reached through the CPU's MMU, as every kernel since 2.6's 3G/1G
     * split does.
     *
     * @param memory     RAM, which the copies read and write
     * @param taskSize   TASK_SIZE, the limit access_ok checks against
     * @param mightSleep the machine's might_sleep() check, shared with the other services that may sleep
     */
    public Uaccess(PhysicalMemory memory, long taskSize, MightSleep mightSleep) {
        this(memory, taskSize, mightSleep, null);
    }

    /**
     * @param memory     RAM, which the copies read and write
     * @param taskSize   TASK_SIZE, the limit access_ok checks against
     * @param mightSleep the machine's might_sleep() check, shared with the other services that may sleep
     * @param copyPath   how copy_to_user/copy_from_user reach user pages, or null for the direct path
     */
    public Uaccess(PhysicalMemory memory, long taskSize, MightSleep mightSleep, UserCopyPath copyPath) {
        this.memory = memory;
        this.taskSize = taskSize;
        this.mightSleep = mightSleep;
        this.copyPath = copyPath;
    }

    /** @return TASK_SIZE (x86's TASK_SIZE_MAX): the limit access_ok checks against */
    public long taskSize() {
        return taskSize;
    }

    /**
     * {@code access_ok(addr, size)}: whether the whole range lies in user space. Checks the range only, not
     * whether anything is mapped there. Generic {@code __access_ok} (include/asm-generic/access_ok.h):
     * {@code size <= limit && addr <= limit - size}, unsigned, so a range that wraps is refused.
     *
     * @param addr a user address
     * @param size bytes, unsigned
     * @return true if the range may be accessed as user memory
     */
    public boolean accessOk(long addr, long size) {
        return Long.compareUnsigned(size, taskSize) <= 0 && Long.compareUnsigned(addr, taskSize - size) <= 0;
    }

    /**
     * {@code copy_to_user(to, from, n)}.
     *
     * @param cpu  the calling CPU
     * @param to   the user destination
     * @param from the kernel source
     * @param n    bytes, unsigned
     * @return the number of bytes not copied: 0 on success
     */
    public long copyToUser(Cpu cpu, long to, long from, long n) {
        mightSleep.mightFault(cpu, "include/linux/uaccess.h _inline_copy_to_user");
        if (!accessOk(to, n)) {
            return n;
        }
        return copyPath != null ? copyPath.copy(cpu, to, from, n, true) : rawCopyToUser(cpu, to, from, n);
    }

    /**
     * {@code copy_from_user(to, from, n)}: on a short copy the uncopied tail of the kernel buffer is
     * zeroed, so that no stale kernel data survives in it (also when access_ok refuses: all n bytes).
     *
     * @param cpu  the calling CPU
     * @param to   the kernel destination
     * @param from the user source
     * @param n    bytes, unsigned
     * @return the number of bytes not copied: 0 on success
     */
    public long copyFromUser(Cpu cpu, long to, long from, long n) {
        mightSleep.mightFault(cpu, "include/linux/uaccess.h _inline_copy_from_user");
        long res = n;
        if (accessOk(from, n)) {
            res = copyPath != null ? copyPath.copy(cpu, from, to, n, false) : rawCopyFromUser(cpu, to, from, n);
        }
        if (res != 0) {
            kernelMemset(cpu, to + (n - res), res);
        }
        return res;
    }

    /**
     * {@code get_user(x, ptr)} for a 1-, 2-, 4- or 8-byte object, in the machine's byte order.
     *
     * @param cpu  the calling CPU
     * @param x    where the value goes, in {@code x[0]}: zero-extended from {@code size} bytes, 0 on a fault
     * @param ptr  the user address
     * @param size 1, 2, 4 or 8
     * @return 0, or -EFAULT
     */
    public int getUser(Cpu cpu, long[] x, long ptr, int size) {
        checkSize(size);
        mightSleep.mightFault(cpu, "asm/uaccess.h get_user");
        x[0] = 0;
        if (!accessOk(ptr, size)) {
            return -Errno.EFAULT;
        }
        cpu.userAccessBegin();
        cpu.uaccessFixupBegin();
        try {
            x[0] = switch (size) {
                case 1 -> cpu.load8(ptr) & 0xffL;
                case 2 -> cpu.load16(ptr) & 0xffffL;
                case 4 -> cpu.load32(ptr) & 0xffffffffL;
                default -> cpu.load64(ptr);
            };
            return 0;
        } catch (FixupException e) {
            return -Errno.EFAULT;
        } finally {
            cpu.uaccessFixupEnd();
            cpu.userAccessEnd();
        }
    }

    /**
     * {@code put_user(x, ptr)} for a 1-, 2-, 4- or 8-byte object, in the machine's byte order. A value that
     * straddles two pages is written only if both are writable.
     *
     * @param cpu   the calling CPU
     * @param value the value; its low {@code size} bytes are stored
     * @param ptr   the user address
     * @param size  1, 2, 4 or 8
     * @return 0, or -EFAULT
     */
    public int putUser(Cpu cpu, long value, long ptr, int size) {
        checkSize(size);
        mightSleep.mightFault(cpu, "asm/uaccess.h put_user");
        if (!accessOk(ptr, size)) {
            return -Errno.EFAULT;
        }
        cpu.userAccessBegin();
        cpu.uaccessFixupBegin();
        try {
            switch (size) {
                case 1 -> cpu.store8(ptr, (byte) value);
                case 2 -> cpu.store16(ptr, (short) value);
                case 4 -> cpu.store32(ptr, (int) value);
                default -> cpu.store64(ptr, value);
            }
            return 0;
        } catch (FixupException e) {
            return -Errno.EFAULT;
        } finally {
            cpu.uaccessFixupEnd();
            cpu.userAccessEnd();
        }
    }

    /**
     * {@code clear_user(to, n)}: zeroes user memory.
     *
     * @param cpu the calling CPU
     * @param to  the user address
     * @param n   bytes, unsigned
     * @return the number of bytes not cleared: 0 on success
     */
    public long clearUser(Cpu cpu, long to, long n) {
        mightSleep.mightFault(cpu, "asm/uaccess.h clear_user");
        if (!accessOk(to, n)) {
            return n;
        }
        long done = 0;
        while (Long.compareUnsigned(done, n) < 0) {
            long u = to + done;
            int len = chunk(n - done, u, u);
            long up = userPhys(cpu, u, Access.WRITE);
            if (up == NO_PHYS) {
                return n - done;
            }
            memory.fill(up, (byte) 0, len);
            done += len;
        }
        return 0;
    }

    /**
     * {@code strncpy_from_user(dst, src, count)}: copies a NUL-terminated string into a kernel buffer of at
     * least {@code count} bytes, the NUL included when it fits. Bytes copied before a fault stay copied.
     * Linux copies a word at a time where it can and falls back to bytes after a fault, so its result is
     * the one of a byte-at-a-time copy, which kmemu does (it writes no byte past the NUL).
     *
     * @param cpu   the calling CPU
     * @param dst   the kernel buffer
     * @param src   the user string
     * @param count at most this many bytes, the NUL included
     * @return the length without the NUL; {@code count} if no NUL came within count bytes; -EFAULT on a fault
     *         or if user space ended first; 0 if count is not positive
     */
    public long strncpyFromUser(Cpu cpu, long dst, long src, long count) {
        mightSleep.mightFault(cpu, "lib/strncpy_from_user.c strncpy_from_user");
        if (count <= 0) {
            return 0;
        }
        if (Long.compareUnsigned(src, taskSize) >= 0) {
            return -Errno.EFAULT;
        }
        long max = Math.min(taskSize - src, count);
        long nul = scanUserString(cpu, src, max, dst, true);
        if (nul == STRING_FAULTED) {
            return -Errno.EFAULT;
        }
        if (nul >= 0) {
            return nul;
        }
        // We hit max: the caller's count is fine, the end of user space is -EFAULT (lib/strncpy_from_user.c).
        return max >= count ? count : -Errno.EFAULT;
    }

    /**
     * {@code strnlen_user(str, count)}: the size of a user string, the NUL included. Linux reads aligned words
     * and may return more than count + 1 for a string whose NUL lies just past count in the same word; kmemu
     * returns count + 1 there. Callers test "&gt; count" either way.
     *
     * @param cpu   the calling CPU
     * @param src   the user string
     * @param count at most this many bytes, the NUL included
     * @return the length with the NUL; count + 1 if there is no NUL within count bytes; 0 on a fault, if
     *         user space ended first, or if count is not positive
     */
    public long strnlenUser(Cpu cpu, long src, long count) {
        if (count <= 0 || Long.compareUnsigned(src, taskSize) >= 0) {
            return 0;
        }
        long max = Math.min(taskSize - src, count);
        long nul = scanUserString(cpu, src, max, 0, false);
        if (nul == STRING_FAULTED) {
            return 0;
        }
        if (nul >= 0) {
            return nul + 1;
        }
        return max >= count ? count + 1 : 0;
    }

    /** {@link #scanUserString}'s answer when no NUL came within the bytes scanned. */
    private static final long STRING_UNTERMINATED = -1;
    /** {@link #scanUserString}'s answer when a user page could not be had. */
    private static final long STRING_FAULTED = -2;

    /**
     * Reads a user string a page at a time, faulting pages in, up to its NUL or {@code max} bytes; with
     * {@code copy}, copies what it read (the NUL included, nothing past it) to the kernel buffer {@code dst}.
     *
     * @return the NUL's offset from {@code src}, {@link #STRING_UNTERMINATED} or {@link #STRING_FAULTED}
     */
    private long scanUserString(Cpu cpu, long src, long max, long dst, boolean copy) {
        long res = 0;
        while (res < max) {
            long u = src + res;
            int len = (int) Math.min(max - res, CHUNK - (u & (CHUNK - 1)));
            long up = userPhys(cpu, u, Access.READ);
            if (up == NO_PHYS) {
                return STRING_FAULTED;
            }
            int nul = indexOfNul(up, len);
            if (copy) {
                physToKernel(cpu, dst + res, up, nul < 0 ? len : nul + 1);
            }
            if (nul >= 0) {
                return res + nul;
            }
            res += len;
        }
        return STRING_UNTERMINATED;
    }

    // ---- raw copies -----------------------------------------------------------------------------

    /** {@code raw_copy_to_user}: page by page; stops at the first user page that cannot be had. */
    private long rawCopyToUser(Cpu cpu, long to, long from, long n) {
        long done = 0;
        while (Long.compareUnsigned(done, n) < 0) {
            long u = to + done;
            long k = from + done;
            int len = chunk(n - done, u, k);
            long kp = cpu.translate(k, Access.READ);
            long up = userPhys(cpu, u, Access.WRITE);
            if (up == NO_PHYS) {
                return n - done;
            }
            memory.copy(up, kp, len);
            done += len;
        }
        return 0;
    }

    /** {@code raw_copy_from_user}: page by page; stops at the first user page that cannot be had. */
    private long rawCopyFromUser(Cpu cpu, long to, long from, long n) {
        long done = 0;
        while (Long.compareUnsigned(done, n) < 0) {
            long u = from + done;
            long k = to + done;
            int len = chunk(n - done, u, k);
            long up = userPhys(cpu, u, Access.READ);
            if (up == NO_PHYS) {
                return n - done;
            }
            memory.copy(cpu.translate(k, Access.WRITE), up, len);
            done += len;
        }
        return 0;
    }

    /** @return how many bytes from u and k stay within one page on each side, at most remaining */
    private static int chunk(long remaining, long u, long k) {
        long room = Math.min(CHUNK - (u & 0xfff), CHUNK - (k & 0xfff));
        return Long.compareUnsigned(remaining, room) < 0 ? (int) remaining : (int) room;
    }

    /**
     * Translates one user access inside the uaccess and exception-table windows.
     *
     * @return the physical address, or {@link #NO_PHYS} if the fault was fixed up
     */
    private static long userPhys(Cpu cpu, long uaddr, Access access) {
        cpu.userAccessBegin();
        cpu.uaccessFixupBegin();
        try {
            return cpu.translate(uaddr, access);
        } catch (FixupException e) {
            return NO_PHYS;
        } finally {
            cpu.uaccessFixupEnd();
            cpu.userAccessEnd();
        }
    }

    /** memset(kaddr, 0, len) through the MMU, outside any uaccess window. */
    private void kernelMemset(Cpu cpu, long kaddr, long len) {
        while (len > 0) {
            int n = (int) Math.min(len, CHUNK - (kaddr & 0xfff));
            memory.fill(cpu.translate(kaddr, Access.WRITE), (byte) 0, n);
            kaddr += n;
            len -= n;
        }
    }

    /** Copies len bytes of RAM at phys to the kernel address kaddr, through the MMU. */
    private void physToKernel(Cpu cpu, long kaddr, long phys, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, CHUNK - (kaddr & 0xfff));
            memory.copy(cpu.translate(kaddr, Access.WRITE), phys, n);
            kaddr += n;
            phys += n;
            len -= n;
        }
    }

    /** @return the index of the first 0 byte in RAM [phys, phys + len), or -1 */
    private int indexOfNul(long phys, int len) {
        for (int i = 0; i < len; i++) {
            if (memory.readByte(phys + i) == 0) {
                return i;
            }
        }
        return -1;
    }

    private static void checkSize(int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            // The kernel refuses other sizes at build time (__get_user_bad, __put_user_bad).
            throw new IllegalArgumentException("size: " + size + " (expected: 1, 2, 4 or 8)");
        }
    }
}
