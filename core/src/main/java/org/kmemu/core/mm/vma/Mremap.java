package org.kmemu.core.mm.vma;

import org.kmemu.api.Errno;
import org.kmemu.core.mmu.Cpu;

/**
 * The {@code mremap} system call (mm/mremap.c, 6.12), without MREMAP_DONTUNMAP.
 *
 * <ol>
 *   <li>Flags other than MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, MREMAP_FIXED without
 *       MREMAP_MAYMOVE, an unaligned address, a new length that page-aligns to 0: -EINVAL. MREMAP_DONTUNMAP
 *       is not modelled and answers -EINVAL too.</li>
 *   <li>No VMA at addr: -EFAULT.</li>
 *   <li>MREMAP_FIXED ({@code mremap_to}): an unaligned new address, one beyond TASK_SIZE, or overlap of old
 *       and new ranges: -EINVAL; map_count + 2 reaching vm.max_map_count - 3: -ENOMEM; what is at the new
 *       range is unmapped, a shrink unmaps the old tail first, then the range moves.</li>
 *   <li>Shrinking ({@code old_len >= new_len}) unmaps the tail and returns addr.</li>
 *   <li>Growing ({@code vma_to_resize}): an old range crossing the VMA's end is -EFAULT, VM_DONTEXPAND or
 *       VM_PFNMAP -EFAULT, pgoff overflow -EINVAL. If the old range ends at the VMA's end and the bytes after
 *       are free ({@code vma_expandable}), the VMA grows in place (merging with the next one when the rules
 *       allow, {@code vma_merge_extend}).</li>
 *   <li>Else with MREMAP_MAYMOVE: a new place (get_unmapped_area), {@code move_vma}: map_count reaching
 *       vm.max_map_count - 3 is -ENOMEM; {@code copy_vma} makes (or merges) the new VMA, the PTEs move
 *       ({@link PageTableOps#movePageTables}), and the old range is unmapped. Without MREMAP_MAYMOVE: -ENOMEM.</li>
 * </ol>
 * A grown VM_LOCKED mapping is populated after the lock is dropped, as the system call does.
 */
public final class Mremap {
    private final Mmap mmap;
    private final PageTableOps ops;

    /** @param mmap the munmap and page-table side */
    public Mremap(Mmap mmap) {
        this.mmap = mmap;
        this.ops = mmap.ops();
    }

    /**
     * @param cpu     the calling CPU
     * @param mm      the caller's mm (the mmap lock is taken here)
     * @param addr    the old address
     * @param oldLen  the old length
     * @param newLen  the new length
     * @param flags   MREMAP_* bits
     * @param newAddr the new address for MREMAP_FIXED
     * @return the mapping's address, or a negative errno
     */
    public long mremap(Cpu cpu, Mm mm, long addr, long oldLen, long newLen, int flags, long newAddr) {
        long pageMask = mm.layout().pageSize() - 1;
        if ((flags & ~(Mman.MREMAP_FIXED | Mman.MREMAP_MAYMOVE | Mman.MREMAP_DONTUNMAP)) != 0) {
            return -Errno.EINVAL;
        }
        if ((flags & Mman.MREMAP_FIXED) != 0 && (flags & Mman.MREMAP_MAYMOVE) == 0) {
            return -Errno.EINVAL;
        }
        if ((flags & Mman.MREMAP_DONTUNMAP) != 0) {
            return -Errno.EINVAL; // not modelled
        }
        if ((addr & pageMask) != 0) {
            return -Errno.EINVAL;
        }
        oldLen = (oldLen + pageMask) & ~pageMask;
        newLen = (newLen + pageMask) & ~pageMask;
        if (newLen == 0) {
            return -Errno.EINVAL;
        }
        long[] populateFrom = {0, 0};
        long ret;
        mm.mmapLock().writeLock();
        try {
            ret = mremapLocked(cpu, mm, addr, oldLen, newLen, flags, newAddr, populateFrom);
        } finally {
            mm.mmapLock().writeUnlock();
        }
        if (ret >= 0 && populateFrom[1] != 0) {
            ops.populate(cpu, mm, populateFrom[0], populateFrom[0] + populateFrom[1]);
        }
        return ret;
    }

    private long mremapLocked(Cpu cpu, Mm mm, long addr, long oldLen, long newLen, int flags, long newAddr,
            long[] populate) {
        VmaTree tree = mm.vmas();
        Vma vma = tree.vmaLookup(addr);
        if (vma == null) {
            return -Errno.EFAULT;
        }
        boolean locked = (vma.flags() & VmFlags.VM_LOCKED) != 0;
        if ((flags & Mman.MREMAP_FIXED) != 0) {
            long r = mremapTo(cpu, mm, addr, oldLen, newAddr, newLen);
            if (r >= 0 && locked && newLen > oldLen) {
                populate[0] = r + oldLen;
                populate[1] = newLen - oldLen;
            }
            return r;
        }
        if (Long.compareUnsigned(oldLen, newLen) >= 0) {
            if (oldLen == newLen) {
                return addr;
            }
            int err = mmap.doMunmap(cpu, mm, addr + newLen, oldLen - newLen);
            return err != 0 ? err : addr;
        }
        long err = vmaToResize(mm, addr, oldLen, newLen);
        if (err != 0) {
            return err;
        }
        if (oldLen == vma.end() - addr && expandable(mm, vma, newLen - oldLen)) {
            long delta = newLen - oldLen;
            long pgoff = vma.pgoff() + vma.pages(tree.pageShift());
            if ((vma.flags() & VmFlags.VM_SPECIAL) != 0) {
                return -Errno.ENOMEM; // vma_merge_extend finds no merge for VM_SPECIAL
            }
            tree.mapRange(vma.end(), vma.end() + delta, vma.flags(), pgoff, vma.file(), vma.anonVma());
            if (locked) {
                populate[0] = addr + oldLen;
                populate[1] = delta;
            }
            return addr;
        }
        if ((flags & Mman.MREMAP_MAYMOVE) == 0) {
            return -Errno.ENOMEM;
        }
        long target = UnmappedArea.get(tree, mm.layout(), 0, newLen, false);
        if (target < 0) {
            return target;
        }
        long r = moveVma(cpu, mm, vma, addr, oldLen, newLen, target);
        if (r >= 0 && locked) {
            populate[0] = r + oldLen;
            populate[1] = newLen - oldLen;
        }
        return r;
    }

    /** mremap_to(): MREMAP_FIXED. */
    private long mremapTo(Cpu cpu, Mm mm, long addr, long oldLen, long newAddr, long newLen) {
        long pageMask = mm.layout().pageSize() - 1;
        long taskSize = mm.taskSize();
        VmaTree tree = mm.vmas();
        if ((newAddr & pageMask) != 0) {
            return -Errno.EINVAL;
        }
        if (Long.compareUnsigned(newLen, taskSize) > 0 || Long.compareUnsigned(newAddr, taskSize - newLen) > 0) {
            return -Errno.EINVAL;
        }
        if (Long.compareUnsigned(addr + oldLen, newAddr) > 0 && Long.compareUnsigned(newAddr + newLen, addr) > 0) {
            return -Errno.EINVAL;
        }
        if (tree.mapCount() + 2 >= tree.maxMapCount() - 3) {
            return -Errno.ENOMEM;
        }
        int err = mmap.doMunmap(cpu, mm, newAddr, newLen);
        if (err != 0) {
            return err;
        }
        if (Long.compareUnsigned(oldLen, newLen) > 0) {
            err = mmap.doMunmap(cpu, mm, addr + newLen, oldLen - newLen);
            if (err != 0) {
                return err;
            }
            oldLen = newLen;
        }
        long r = vmaToResize(mm, addr, oldLen, newLen);
        if (r != 0) {
            return r;
        }
        Vma vma = tree.vmaLookup(addr);
        r = UnmappedArea.get(tree, mm.layout(), newAddr, newLen, true);
        if (r < 0) {
            return r;
        }
        return moveVma(cpu, mm, vma, addr, oldLen, newLen, newAddr);
    }

    /** vma_to_resize(): 0 if the VMA at addr may become newLen long from addr, else a negative errno. */
    private static long vmaToResize(Mm mm, long addr, long oldLen, long newLen) {
        Vma vma = mm.vmas().vmaLookup(addr);
        if (vma == null) {
            return -Errno.EFAULT;
        }
        if (Long.compareUnsigned(oldLen, vma.end() - addr) > 0) {
            return -Errno.EFAULT; // "We can't remap across vm area boundaries"
        }
        if (newLen == oldLen) {
            return 0;
        }
        int shift = mm.layout().pageShift();
        long pgoff = vma.pgoff() + ((addr - vma.start()) >>> shift);
        if (Long.compareUnsigned(pgoff + (newLen >>> shift), pgoff) < 0) {
            return -Errno.EINVAL;
        }
        if ((vma.flags() & (VmFlags.VM_DONTEXPAND | VmFlags.VM_PFNMAP)) != 0) {
            return -Errno.EFAULT;
        }
        return 0; // mlock_future_ok and may_expand_vm: RLIMIT_MEMLOCK and RLIMIT_AS are not modelled
    }

    /** vma_expandable(): [vm_end, vm_end + delta) is free and a MAP_FIXED get_unmapped_area accepts it. */
    private static boolean expandable(Mm mm, Vma vma, long delta) {
        long end = vma.end() + delta;
        if (Long.compareUnsigned(end, vma.end()) < 0) {
            return false;
        }
        if (mm.vmas().findVmaIntersection(vma.end(), end) != null) {
            return false;
        }
        return UnmappedArea.get(mm.vmas(), mm.layout(), vma.start(), end - vma.start(), true) >= 0;
    }

    /**
     * move_vma(): copy_vma makes the new VMA (merging where it may: an anonymous VMA with no anon_vma yet
     * takes pgoff = new address's page), the PTEs of the old range move, and the old range is unmapped.
     * A short move (no page-table page) moves the PTEs back and unmaps the new range instead: -ENOMEM.
     */
    private long moveVma(Cpu cpu, Mm mm, Vma vma, long oldAddr, long oldLen, long newLen, long newAddr) {
        VmaTree tree = mm.vmas();
        if (tree.mapCount() >= tree.maxMapCount() - 3) {
            return -Errno.ENOMEM;
        }
        int shift = tree.pageShift();
        long newPgoff = vma.pgoff() + ((oldAddr - vma.start()) >>> shift);
        if (vma.file() == null && vma.anonVma() == null && (vma.flags() & VmFlags.VM_SHARED) == 0) {
            newPgoff = newAddr >>> shift; // copy_vma: "faulted_in_anon_vma = false"
        }
        Vma newVma = tree.mapRange(newAddr, newAddr + newLen, vma.flags(), newPgoff, vma.file(), vma.anonVma());
        long moved = ops.movePageTables(cpu, mm, vma, oldAddr, newVma, newAddr, oldLen);
        if (moved < oldLen) {
            ops.movePageTables(cpu, mm, newVma, newAddr, vma, oldAddr, moved);
            mmap.alignMunmap(cpu, mm, newAddr, newAddr + newLen);
            return -Errno.ENOMEM;
        }
        // do_vmi_munmap of the old range; "OOM: unable to split vma, just get accounts right" if it fails
        mmap.alignMunmap(cpu, mm, oldAddr, oldAddr + oldLen);
        return newAddr;
    }
}
