package org.kmemu.core.mm.vma;

/**
 * The mmap/mprotect/mremap ABI: PROT_*, MAP_* and MREMAP_* with the kernel's values
 * (include/uapi/asm-generic/mman-common.h, include/uapi/asm-generic/mman.h, arch/x86/include/uapi/asm/mman.h,
 * include/uapi/linux/mman.h), and the two translations do_mmap makes from them:
 * {@link #calcVmProtBits} and {@link #calcVmFlagBits} (include/linux/mman.h).
 *
 * <p>PowerPC numbers MAP_LOCKED and MAP_NORESERVE differently (arch/powerpc/include/uapi/asm/mman.h: 0x80
 * and 0x40, where x86 and asm-generic use 0x2000 and 0x4000); {@link Abi} carries the arch's values.
 */
public final class Mman {
    /** Page can not be accessed. */
    public static final int PROT_NONE = 0x0;
    /** Page can be read. */
    public static final int PROT_READ = 0x1;
    /** Page can be written. */
    public static final int PROT_WRITE = 0x2;
    /** Page can be executed. */
    public static final int PROT_EXEC = 0x4;
    /** Page may be used for atomic ops (ignored by every arch kmemu has). */
    public static final int PROT_SEM = 0x8;
    /** mprotect flag: extend change to start of growsdown vma. */
    public static final int PROT_GROWSDOWN = 0x01000000;
    /** mprotect flag: extend change to end of growsup vma. */
    public static final int PROT_GROWSUP = 0x02000000;

    /** Share changes. */
    public static final int MAP_SHARED = 0x01;
    /** Changes are private. */
    public static final int MAP_PRIVATE = 0x02;
    /** Share changes and validate extension flags. */
    public static final int MAP_SHARED_VALIDATE = 0x03;
    /** Mask for the type of mapping. */
    public static final int MAP_TYPE = 0x0f;
    /** Interpret addr exactly. */
    public static final int MAP_FIXED = 0x10;
    /** Don't use a file. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** x86: only give out 32-bit addresses (not modelled: the top-down search ignores it). */
    public static final int MAP_32BIT = 0x40;
    /** Stack-like segment (asm-generic/mman.h, also powerpc). */
    public static final int MAP_GROWSDOWN = 0x0100;
    /** Ignored. */
    public static final int MAP_DENYWRITE = 0x0800;
    /** Ignored. */
    public static final int MAP_EXECUTABLE = 0x1000;
    /** Pages are locked (x86 / asm-generic value). */
    public static final int MAP_LOCKED = 0x2000;
    /** Don't check for reservations (x86 / asm-generic value). */
    public static final int MAP_NORESERVE = 0x4000;
    /** Populate (prefault) page tables. */
    public static final int MAP_POPULATE = 0x008000;
    /** Do not block on IO. */
    public static final int MAP_NONBLOCK = 0x010000;
    /** Give out an address that is best suited for process/thread stacks. */
    public static final int MAP_STACK = 0x020000;
    /** Create a huge page mapping (not modelled). */
    public static final int MAP_HUGETLB = 0x040000;
    /** Perform synchronous page faults for the mapping. */
    public static final int MAP_SYNC = 0x080000;
    /** MAP_FIXED which doesn't unmap underlying mapping. */
    public static final int MAP_FIXED_NOREPLACE = 0x100000;
    /** For anonymous mmap, memory could be uninitialized. */
    public static final int MAP_UNINITIALIZED = 0x4000000;

    /** mremap may move the mapping. */
    public static final int MREMAP_MAYMOVE = 1;
    /** mremap to the given new address (needs MREMAP_MAYMOVE). */
    public static final int MREMAP_FIXED = 2;
    /** mremap moves without unmapping the old range (not modelled: refused with -EINVAL). */
    public static final int MREMAP_DONTUNMAP = 4;

    /**
     * The arch-dependent MAP_* values.
     *
     * @param mapLocked    MAP_LOCKED
     * @param mapNoreserve MAP_NORESERVE
     */
    public record Abi(int mapLocked, int mapNoreserve) {
        /** x86 and asm-generic. */
        public static final Abi GENERIC = new Abi(MAP_LOCKED, MAP_NORESERVE);
        /** arch/powerpc/include/uapi/asm/mman.h. */
        public static final Abi POWERPC = new Abi(0x80, 0x40);

        /** @param archId an architecture id @return its ABI ("booke" is powerpc) */
        public static Abi of(String archId) {
            return "booke".equals(archId) ? POWERPC : GENERIC;
        }

        /**
         * LEGACY_MAP_MASK (include/linux/mman.h): the flags MAP_SHARED always accepted, which
         * MAP_SHARED_VALIDATE checks a file mapping's flags against.
         *
         * @return the mask with this arch's values
         */
        public int legacyMapMask() {
            return MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE
                    | MAP_UNINITIALIZED | MAP_GROWSDOWN | mapLocked | mapNoreserve | MAP_POPULATE | MAP_NONBLOCK
                    | MAP_STACK | MAP_HUGETLB;
        }
    }

    private Mman() {
    }

    /**
     * calc_vm_prot_bits(): PROT_READ/WRITE/EXEC to VM_READ/WRITE/EXEC (no protection keys).
     *
     * @param prot PROT_* bits
     * @return vm_flags bits
     */
    public static long calcVmProtBits(int prot) {
        return ((prot & PROT_READ) != 0 ? VmFlags.VM_READ : 0) | ((prot & PROT_WRITE) != 0 ? VmFlags.VM_WRITE : 0)
                | ((prot & PROT_EXEC) != 0 ? VmFlags.VM_EXEC : 0);
    }

    /**
     * calc_vm_flag_bits(): MAP_GROWSDOWN → VM_GROWSDOWN, MAP_LOCKED → VM_LOCKED, MAP_SYNC → VM_SYNC, and
     * (6.7+, commit c4608d1bf7c6) MAP_STACK → VM_NOHUGEPAGE.
     *
     * @param flags MAP_* bits
     * @param abi   the arch's MAP_LOCKED value
     * @return vm_flags bits
     */
    public static long calcVmFlagBits(int flags, Abi abi) {
        return ((flags & MAP_GROWSDOWN) != 0 ? VmFlags.VM_GROWSDOWN : 0)
                | ((flags & abi.mapLocked()) != 0 ? VmFlags.VM_LOCKED : 0)
                | ((flags & MAP_SYNC) != 0 ? VmFlags.VM_SYNC : 0)
                | ((flags & MAP_STACK) != 0 ? VmFlags.VM_NOHUGEPAGE : 0);
    }
}
