package org.kmemu.core.mm.vma;

import org.kmemu.api.Errno;
import org.kmemu.core.mmu.Cpu;

/**
 * The {@code mprotect} system call (mm/mprotect.c do_mprotect_pkey and mprotect_fixup, 6.12).
 *
 * <ol>
 *   <li>PROT_GROWSDOWN with PROT_GROWSUP, an unaligned start, or a PROT bit other than READ, WRITE, EXEC and
 *       SEM (arch_validate_prot): -EINVAL. len 0: 0. PAGE_ALIGN(len) wrapping: -ENOMEM.</li>
 *   <li>Under the mmap write lock: no VMA reaching into [start, end) or one starting above start: -ENOMEM
 *       (PROT_GROWSDOWN extends start down to the first VMA's start, which must be VM_GROWSDOWN, else -EINVAL).</li>
 *   <li>Each VMA in turn: a hole before it is -ENOMEM; new flags are the PROT bits plus the VMA's other
 *       bits; asking for an access its VM_MAY* bit forbids ({@code (newflags & ~(newflags >> 4)) &
 *       VM_ACCESS_FLAGS}) is -EACCES. Pieces already done stay done, as in the kernel.</li>
 *   <li>mprotect_fixup: unchanged flags do nothing; a private mapping becoming writable is accounted
 *       (VM_ACCOUNT, unless VM_ACCOUNT/WRITE/HUGETLB/SHARED/NORESERVE already), and an anonymous VMA with no
 *       anon_vma that stops being writable gives VM_ACCOUNT back; then vma_modify_flags merges the piece with a
 *       neighbour ({@link VmaMerge#mergeExistingRange}) or splits it off (-ENOMEM at vm.max_map_count), the
 *       flags are set, and {@link PageTableOps#changeProtection} rewrites the PTEs. A private VM_LOCKED VMA
 *       becoming writable is populated (to break COW up front).</li>
 * </ol>
 */
public final class Mprotect {
    /** VM_ACCESS_FLAGS (include/linux/mm.h). */
    static final long VM_ACCESS_FLAGS = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC;

    private final PageTableOps ops;

    /** @param ops the page-table side */
    public Mprotect(PageTableOps ops) {
        this.ops = ops;
    }

    /**
     * @param cpu   the calling CPU
     * @param mm    the caller's mm (the mmap lock is taken here)
     * @param start first address, page aligned
     * @param len   bytes
     * @param prot  PROT_* bits
     * @return 0 or a negative errno
     */
    public int mprotect(Cpu cpu, Mm mm, long start, long len, int prot) {
        MmapLayout layout = mm.layout();
        long pageMask = layout.pageSize() - 1;
        int grows = prot & (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP);
        prot &= ~(Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP);
        if (grows == (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP)) {
            return -Errno.EINVAL;
        }
        if ((start & pageMask) != 0) {
            return -Errno.EINVAL;
        }
        if (len == 0) {
            return 0;
        }
        len = (len + pageMask) & ~pageMask;
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0) {
            return -Errno.ENOMEM;
        }
        // arch_validate_prot (include/linux/mman.h generic; x86 and powerpc 32-bit use it)
        if ((prot & ~(Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC | Mman.PROT_SEM)) != 0) {
            return -Errno.EINVAL;
        }
        mm.mmapLock().writeLock();
        try {
            return mprotectLocked(cpu, mm, start, end, prot, grows);
        } finally {
            mm.mmapLock().writeUnlock();
        }
    }

    private int mprotectLocked(Cpu cpu, Mm mm, long start, long end, int prot, int grows) {
        VmaTree tree = mm.vmas();
        Vma vma = tree.findVmaIntersection(start, end);
        if (vma == null) {
            return -Errno.ENOMEM;
        }
        if (grows == Mman.PROT_GROWSDOWN) {
            // (vma->vm_start >= end cannot happen: the lookup only finds VMAs that start below end)
            if ((vma.flags() & VmFlags.VM_GROWSDOWN) == 0) {
                return -Errno.EINVAL;
            }
            start = vma.start();
        } else if (Long.compareUnsigned(vma.start(), start) > 0) {
            return -Errno.ENOMEM;
        }
        long newProtBits = Mman.calcVmProtBits(prot);
        long nstart = start;
        long tmp = vma.start();
        while (vma != null && Long.compareUnsigned(vma.start(), end) < 0) {
            if (vma.start() != tmp) {
                return -Errno.ENOMEM;
            }
            long newFlags = newProtBits | (vma.flags() & ~VM_ACCESS_FLAGS);
            // newflags >> 4 shifts VM_MAY% in place of VM_%
            if ((newFlags & ~(newFlags >>> 4) & VM_ACCESS_FLAGS) != 0) {
                return -Errno.EACCES;
            }
            tmp = Long.compareUnsigned(vma.end(), end) > 0 ? end : vma.end();
            Vma done = fixup(cpu, mm, vma, nstart, tmp, newFlags);
            if (done == null) {
                return -Errno.ENOMEM;
            }
            // vma_iter_end: the end of the VMA the piece now belongs to, which a merge may have moved past tmp
            tmp = done.end();
            nstart = tmp;
            vma = tree.next(done);
        }
        return Long.compareUnsigned(tmp, end) < 0 ? -Errno.ENOMEM : 0;
    }

    /** mprotect_fixup: @return the VMA covering [start, end) now, or null for -ENOMEM */
    private Vma fixup(Cpu cpu, Mm mm, Vma vma, long start, long end, long newFlags) {
        long oldFlags = vma.flags();
        if (newFlags == oldFlags) {
            return vma;
        }
        if ((newFlags & VmFlags.VM_WRITE) != 0) {
            if ((oldFlags & (VmFlags.VM_ACCOUNT | VmFlags.VM_WRITE | VmFlags.VM_HUGETLB | VmFlags.VM_SHARED
                    | VmFlags.VM_NORESERVE)) == 0) {
                newFlags |= VmFlags.VM_ACCOUNT;
            }
        } else if ((oldFlags & VmFlags.VM_ACCOUNT) != 0 && vma.file() == null && vma.anonVma() == null) {
            newFlags &= ~VmFlags.VM_ACCOUNT;
        }
        VmaTree tree = mm.vmas();
        Vma target = VmaMerge.mergeExistingRange(tree, vma, start, end, newFlags);
        if (target == null) {
            target = tree.isolate(vma, start, end);
            if (target == null) {
                return null;
            }
        }
        target.setFlags(newFlags);
        ops.changeProtection(cpu, mm, target, start, end, newFlags);
        if ((oldFlags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED | VmFlags.VM_LOCKED)) == VmFlags.VM_LOCKED
                && (newFlags & VmFlags.VM_WRITE) != 0) {
            ops.populate(cpu, mm, start, end); // populate_vma_page_range, under the lock here (noted)
        }
        return target;
    }
}
