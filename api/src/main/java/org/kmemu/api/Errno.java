package org.kmemu.api;

/**
 * The kernel's error numbers that kmemu's services return, negated as the kernel returns them
 * ({@code return -EFAULT;}). Values from include/uapi/asm-generic/errno-base.h, the same on x86 and
 * powerpc.
 */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** Interrupted system call (a fatal signal while waiting, e.g. for the mmap lock). */
    public static final int EINTR = 4;
    /** Bad file number (mmap of a descriptor that names no file). */
    public static final int EBADF = 9;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied (mprotect asking for what VM_MAY* forbids). */
    public static final int EACCES = 13;
    /** Bad address: a user pointer that access_ok refuses or that faults. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists (MAP_FIXED_NOREPLACE over a mapping). */
    public static final int EEXIST = 17;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Value too large for defined data type (include/uapi/asm-generic/errno.h): an mmap pgoff that wraps. */
    public static final int EOVERFLOW = 75;
    /** Operation not supported (include/uapi/asm-generic/errno.h): MAP_SHARED_VALIDATE with an unknown flag. */
    public static final int EOPNOTSUPP = 95;

    private Errno() {
    }
}
