package org.kmemu.core.mm.vma;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Errno;
import org.kmemu.core.mmu.Cpu;

/**
 * The kernel side of mmap, munmap and brk (mm/mmap.c, mm/vma.c, mm/util.c, 6.12): VMAs change here, and the
 * page tables below them through {@link PageTableOps}. Every method returns what the system call returns: an
 * address, 0, or a negative errno from {@link Errno}.
 *
 * <h2>do_mmap, in the kernel's order</h2>
 * <ol>
 *   <li>len 0: -EINVAL. MAP_FIXED_NOREPLACE implies MAP_FIXED. Without MAP_FIXED the hint is rounded down to
 *       a page and raised to mmap_min_addr ({@code round_hint_to_min}).</li>
 *   <li>PAGE_ALIGN(len) wraps to 0: -ENOMEM. pgoff + pages wraps: -EOVERFLOW. map_count above
 *       vm.max_map_count (strictly above, as do_mmap tests): -ENOMEM.</li>
 *   <li>get_unmapped_area (-ENOMEM, or -EINVAL for a misaligned MAP_FIXED), then security_mmap_addr: a
 *       MAP_FIXED address below mmap_min_addr is -EPERM (cap_mmap_addr; kmemu's tasks lack CAP_SYS_RAWIO).</li>
 *   <li>MAP_FIXED_NOREPLACE over any VMA: -EEXIST.</li>
 *   <li>vm_flags = calc_vm_prot_bits | calc_vm_flag_bits | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC.</li>
 *   <li>Anonymous: MAP_SHARED gives VM_SHARED | VM_MAYSHARE and pgoff 0 (with MAP_GROWSDOWN: -EINVAL);
 *       MAP_PRIVATE gives pgoff = addr &gt;&gt; PAGE_SHIFT; any other type (MAP_SHARED_VALIDATE too) is
 *       -EINVAL. A file: MAP_SHARED_VALIDATE refuses flags outside LEGACY_MAP_MASK (-EOPNOTSUPP); MAP_SHARED
 *       and MAP_SHARED_VALIDATE give VM_SHARED | VM_MAYSHARE; MAP_PRIVATE nothing more; other types
 *       -EINVAL.</li>
 *   <li>MAP_NORESERVE gives VM_NORESERVE (overcommit heuristic mode, the default).</li>
 *   <li>mmap_region: what lies in the range is unmapped (MAP_FIXED), a private writable mapping without
 *       VM_NORESERVE is accounted (VM_ACCOUNT, accountable_mapping), and the range merges with its neighbours
 *       ({@link VmaTree#mapRange}) or becomes a new VMA.</li>
 *   <li>VM_LOCKED, or MAP_POPULATE without MAP_NONBLOCK, asks the caller to populate.</li>
 * </ol>
 *
 * <p><b>Not modelled</b> (each noted where it would be): file modes (a read-only file's shared mapping keeps
 * VM_MAYWRITE; the fs layer has no f_mode yet), shmem for MAP_SHARED anonymous memory (it is anonymous
 * memory with VM_SHARED | VM_MAYSHARE, vm_file stays null, so /proc prints no "/dev/zero (deleted)"),
 * RLIMIT_AS/RLIMIT_DATA/RLIMIT_MEMLOCK and the commit limit (all unlimited, as for root), MAP_DROPPABLE,
 * MAP_HUGETLB, protection keys, mseal, userfaultfd, CONFIG_MEM_SOFT_DIRTY's VM_SOFTDIRTY on new VMAs.
 *
 * <p><b>Locking.</b> {@code vm*} methods take the mmap lock for write themselves; {@code do*} methods expect
 * the caller to hold it for write (mmap_assert_write_locked's warning otherwise).
 */
public final class Mmap {
    private final PageTableOps ops;
    private final Mman.Abi abi;

    /**
     * @param ops the page-table side (mm/memory.c)
     * @param abi the arch's MAP_* numbering
     */
    public Mmap(PageTableOps ops, Mman.Abi abi) {
        this.ops = ops;
        this.abi = abi;
    }

    /** @return the page-table operations this service calls */
    public PageTableOps ops() {
        return ops;
    }

    /**
     * The x86_64 {@code mmap} system call (arch/x86/kernel/sys_x86_64.c): a byte offset that is not page
     * aligned is -EINVAL, else {@link #vmMmapPgoff}.
     *
     * @param cpu   the calling CPU
     * @param mm    the caller's mm
     * @param addr  the hint, or the address for MAP_FIXED
     * @param len   bytes
     * @param prot  PROT_* bits
     * @param flags MAP_* bits
     * @param file  the file, or null with MAP_ANONYMOUS
     * @param off   the byte offset in the file
     * @return the address, or a negative errno
     */
    public long sysMmap(Cpu cpu, Mm mm, long addr, long len, int prot, int flags, VmFile file, long off) {
        if ((off & (mm.layout().pageSize() - 1)) != 0) {
            return -Errno.EINVAL;
        }
        return vmMmapPgoff(cpu, mm, addr, len, prot, flags, file, off >>> mm.layout().pageShift());
    }

    /**
     * {@code vm_mmap_pgoff} (mm/util.c): takes the mmap lock for write, {@link #doMmap}, unlocks, then
     * populates when do_mmap asked for it ({@code mm_populate}, whose errors are ignored).
     *
     * @param cpu   the calling CPU
     * @param mm    the caller's mm
     * @param addr  the hint, or the address for MAP_FIXED
     * @param len   bytes
     * @param prot  PROT_* bits
     * @param flags MAP_* bits
     * @param file  the file, or null for anonymous memory
     * @param pgoff the file page
     * @return the address, or a negative errno
     */
    public long vmMmapPgoff(Cpu cpu, Mm mm, long addr, long len, int prot, int flags, VmFile file, long pgoff) {
        if (file == null && (flags & Mman.MAP_ANONYMOUS) == 0) {
            return -Errno.EBADF; // ksys_mmap_pgoff's fget(): without MAP_ANONYMOUS a file is needed
        }
        long[] populate = new long[1];
        mm.mmapLock().writeLock();
        long ret;
        try {
            ret = doMmap(cpu, mm, file, addr, len, prot, flags, 0, pgoff, populate);
        } finally {
            mm.mmapLock().writeUnlock();
        }
        if (ret >= 0 && populate[0] != 0) {
            ops.populate(cpu, mm, ret, ret + populate[0]);
        }
        return ret;
    }

    /**
     * {@code do_mmap} (mm/mmap.c), the caller holding the mmap lock for write.
     *
     * @param cpu      the calling CPU
     * @param mm       the mm
     * @param file     the file, or null for anonymous memory
     * @param addr     the hint or the MAP_FIXED address
     * @param len      bytes
     * @param prot     PROT_* bits
     * @param flags    MAP_* bits
     * @param vmFlags  extra vm_flags from the caller (0 from the system call)
     * @param pgoff    the file page
     * @param populate out: [0] is set to the bytes to populate after unlocking, or 0
     * @return the address, or a negative errno
     */
    public long doMmap(Cpu cpu, Mm mm, VmFile file, long addr, long len, int prot, int flags, long vmFlags, long pgoff,
            long[] populate) {
        mm.mmapLock().assertWriteLocked(cpu);
        MmapLayout layout = mm.layout();
        long pageMask = layout.pageSize() - 1;
        int shift = layout.pageShift();
        populate[0] = 0;
        if (len == 0) {
            return -Errno.EINVAL;
        }
        if ((flags & Mman.MAP_FIXED_NOREPLACE) != 0) {
            flags |= Mman.MAP_FIXED;
        }
        if ((flags & Mman.MAP_FIXED) == 0) {
            addr = roundHintToMin(addr, layout);
        }
        len = (len + pageMask) & ~pageMask;
        if (len == 0) {
            return -Errno.ENOMEM;
        }
        long pages = len >>> shift;
        if (Long.compareUnsigned(pgoff + pages, pgoff) < 0) {
            return -Errno.EOVERFLOW;
        }
        VmaTree tree = mm.vmas();
        if (tree.mapCount() > tree.maxMapCount()) {
            return -Errno.ENOMEM;
        }
        addr = UnmappedArea.get(tree, layout, addr, len, (flags & Mman.MAP_FIXED) != 0);
        if (addr < 0) {
            return addr;
        }
        // security_mmap_addr → cap_mmap_addr (security/commoncap.c): below dac_mmap_min_addr needs CAP_SYS_RAWIO
        if (Long.compareUnsigned(addr, layout.mmapMinAddr()) < 0) {
            return -Errno.EPERM;
        }
        if ((flags & Mman.MAP_FIXED_NOREPLACE) != 0 && tree.findVmaIntersection(addr, addr + len) != null) {
            return -Errno.EEXIST;
        }
        vmFlags |= Mman.calcVmProtBits(prot) | Mman.calcVmFlagBits(flags, abi)
                | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
        int type = flags & Mman.MAP_TYPE;
        if (file != null) {
            switch (type) {
                case Mman.MAP_SHARED_VALIDATE:
                    if ((flags & ~abi.legacyMapMask()) != 0) {
                        return -Errno.EOPNOTSUPP;
                    }
                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                    break;
                case Mman.MAP_SHARED:
                    // not modelled: a file opened read-only refuses PROT_WRITE (-EACCES) and loses VM_MAYWRITE
                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                    break;
                case Mman.MAP_PRIVATE:
                    break;
                default:
                    return -Errno.EINVAL;
            }
        } else {
            switch (type) {
                case Mman.MAP_SHARED:
                    if ((vmFlags & (VmFlags.VM_GROWSDOWN | VmFlags.VM_GROWSUP)) != 0) {
                        return -Errno.EINVAL;
                    }
                    pgoff = 0; // shmem_zero_setup's object starts at 0 (not modelled: no shmem file)
                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                    break;
                case Mman.MAP_PRIVATE:
                    pgoff = addr >>> shift; // for the anon_vma's linear index
                    break;
                default:
                    return -Errno.EINVAL;
            }
        }
        if ((flags & abi.mapNoreserve()) != 0) {
            vmFlags |= VmFlags.VM_NORESERVE; // sysctl_overcommit_memory is OVERCOMMIT_GUESS
        }
        long ret = mmapRegion(cpu, mm, file, addr, len, vmFlags, pgoff);
        if (ret >= 0 && ((vmFlags & VmFlags.VM_LOCKED) != 0
                || (flags & (Mman.MAP_POPULATE | Mman.MAP_NONBLOCK)) == Mman.MAP_POPULATE)) {
            populate[0] = len;
        }
        return ret;
    }

    /** round_hint_to_min (mm/mmap.c): a hint below mmap_min_addr is raised to it; a hint is a page address. */
    private static long roundHintToMin(long hint, MmapLayout layout) {
        long pageMask = layout.pageSize() - 1;
        hint &= ~pageMask;
        if (hint != 0 && Long.compareUnsigned(hint, layout.mmapMinAddr()) < 0) {
            return (layout.mmapMinAddr() + pageMask) & ~pageMask;
        }
        return hint;
    }

    /** mmap_region / __mmap_region (mm/mmap.c, 6.12): clears the range, accounts, merges or links. */
    private long mmapRegion(Cpu cpu, Mm mm, VmFile file, long addr, long len, long vmFlags, long pgoff) {
        long end = addr + len;
        VmaTree tree = mm.vmas();
        if (tree.findVmaIntersection(addr, end) != null) {
            int err = alignMunmap(cpu, mm, addr, end);
            if (err != 0) {
                return err;
            }
        }
        // accountable_mapping(): private writable memory is charged to the commit limit (never refused here)
        if ((vmFlags & (VmFlags.VM_NORESERVE | VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == VmFlags.VM_WRITE) {
            vmFlags |= VmFlags.VM_ACCOUNT;
        }
        tree.mapRange(addr, end, vmFlags, pgoff, file, null);
        if (file != null && file.fops() != null) {
            // call_mmap(file, vma): the driver sets the VMA up; on an error the VMA goes (unmap_region) and
            // do_mmap returns the error. A neighbour of the same file never merged with it first: the
            // driver's flags (VM_IO, VM_PFNMAP, VM_MIXEDMAP) differ from do_mmap's.
            Vma vma = tree.findVma(addr);
            int err = file.fops().mmap(cpu, mm, file, vma);
            if (err != 0) {
                doMunmap(cpu, mm, addr, len);
                return err;
            }
        }
        return addr;
    }

    // ---- munmap ----------------------------------------------------------------------------------

    /**
     * {@code __vm_munmap} (mm/mmap.c): munmap(2) with the mmap lock taken for write.
     *
     * @param cpu   the calling CPU
     * @param mm    the mm
     * @param start first address
     * @param len   bytes
     * @return 0 or a negative errno
     */
    public int vmMunmap(Cpu cpu, Mm mm, long start, long len) {
        mm.mmapLock().writeLock();
        try {
            return doMunmap(cpu, mm, start, len);
        } finally {
            mm.mmapLock().writeUnlock();
        }
    }

    /**
     * {@code do_munmap} / {@code do_vmi_munmap} (mm/vma.c): an unaligned start, a start above TASK_SIZE or a
     * length reaching past it, and a length that page-aligns to 0 are -EINVAL; a range with no VMA is 0.
     *
     * @param cpu   the calling CPU
     * @param mm    the mm, its mmap lock held for write
     * @param start first address
     * @param len   bytes
     * @return 0 or a negative errno (-ENOMEM when a split would exceed vm.max_map_count)
     */
    public int doMunmap(Cpu cpu, Mm mm, long start, long len) {
        mm.mmapLock().assertWriteLocked(cpu);
        long pageMask = mm.layout().pageSize() - 1;
        long taskSize = mm.taskSize();
        if ((start & pageMask) != 0 || Long.compareUnsigned(start, taskSize) > 0
                || Long.compareUnsigned(len, taskSize - start) > 0) {
            return -Errno.EINVAL;
        }
        long end = start + ((len + pageMask) & ~pageMask);
        if (end == start) {
            return -Errno.EINVAL;
        }
        return alignMunmap(cpu, mm, start, end);
    }

    /**
     * {@code do_vmi_align_munmap} (mm/vma.c vms_gather_munmap_vmas + vms_complete_munmap_vmas): splits the
     * first and last VMA at the range's ends, zaps each piece's pages, unlinks them and frees the page tables
     * between the neighbours that stay. vm.max_map_count is checked once, before a split of the first VMA that
     * leaves pieces on both sides; the splits themselves are unchecked ({@code __split_vma}).
     *
     * @return 0 or -ENOMEM
     */
    int alignMunmap(Cpu cpu, Mm mm, long start, long end) {
        VmaTree tree = mm.vmas();
        Vma vma = tree.findVmaIntersection(start, end);
        if (vma == null) {
            return 0;
        }
        if (Long.compareUnsigned(start, vma.start()) > 0) {
            if (Long.compareUnsigned(end, vma.end()) < 0 && tree.mapCount() >= tree.maxMapCount()) {
                return -Errno.ENOMEM;
            }
            tree.splitVma(vma, start, true, false);
        }
        List<Vma> doomed = new ArrayList<>();
        for (Vma v = vma; v != null && Long.compareUnsigned(v.start(), end) < 0; v = tree.next(v)) {
            if (Long.compareUnsigned(v.end(), end) > 0) {
                tree.splitVma(v, end, false, false);
            }
            doomed.add(v);
        }
        Vma prev = tree.prev(doomed.get(0));
        Vma next = tree.next(doomed.get(doomed.size() - 1));
        for (Vma v : doomed) {
            ops.unmapRange(cpu, mm, v, v.start(), v.end());
        }
        for (Vma v : doomed) {
            tree.unlink(v);
        }
        // free_pgtables(floor = prev's end or FIRST_USER_ADDRESS 0, ceiling = next's start or the top)
        ops.freePgtables(cpu, mm, prev == null ? 0 : prev.end(), next == null ? mm.taskSize() : next.start());
        return 0;
    }

    // ---- brk -------------------------------------------------------------------------------------

    /**
     * The {@code brk} system call (mm/mmap.c, 6.12). min_brk is mm->start_brk (CONFIG_COMPAT_BRK with an
     * unrandomized brk uses end_data, which kmemu's mm does not keep; start_brk is where exec puts the heap
     * right after it). Shrinking always works (unmaps the tail); growing needs [oldbrk, newbrk) free and a page
     * plus stack_guard_gap clear below the next VMA's guard gap, then merges with the heap VMA
     * ({@code do_brk_flags}). On any failure the old brk comes back, as the system call returns it.
     *
     * @param cpu the calling CPU
     * @param mm  the mm
     * @param brk the new break
     * @return the new break, or the old one on failure
     */
    public long brk(Cpu cpu, Mm mm, long brk) {
        MmapLayout layout = mm.layout();
        long pageMask = layout.pageSize() - 1;
        mm.mmapLock().writeLock();
        try {
            long origBrk = mm.brk();
            long minBrk = mm.startBrk();
            if (Long.compareUnsigned(brk, minBrk) < 0) {
                return origBrk;
            }
            long newBrk = (brk + pageMask) & ~pageMask;
            long oldBrk = (origBrk + pageMask) & ~pageMask;
            if (oldBrk == newBrk) {
                mm.setBrk(mm.startBrk(), brk);
                return brk;
            }
            VmaTree tree = mm.vmas();
            if (Long.compareUnsigned(brk, origBrk) <= 0) {
                Vma brkVma = tree.findVmaIntersection(newBrk, oldBrk);
                if (brkVma == null || Long.compareUnsigned(brkVma.start(), oldBrk) >= 0) {
                    return origBrk;
                }
                mm.setBrk(mm.startBrk(), brk);
                if (alignMunmap(cpu, mm, newBrk, oldBrk) != 0) {
                    mm.setBrk(mm.startBrk(), origBrk);
                    return origBrk;
                }
                return brk;
            }
            // check_brk_limits: get_unmapped_area(NULL, oldbrk, len, 0, MAP_FIXED)
            if (UnmappedArea.get(tree, layout, oldBrk, newBrk - oldBrk, true) < 0
                    || Long.compareUnsigned(oldBrk, layout.mmapMinAddr()) < 0) { // and security_mmap_addr
                return origBrk;
            }
            Vma next = tree.findVma(oldBrk);
            if (next != null && Long.compareUnsigned(next.start(), newBrk + layout.pageSize() + layout.stackGuardGap()) < 0
                    && Long.compareUnsigned(newBrk + layout.pageSize(), UnmappedArea.startGap(next, layout)) > 0) {
                return origBrk;
            }
            Vma brkVma = tree.findVmaPrev(oldBrk);
            if (brkVma != null && Long.compareUnsigned(brkVma.start(), mm.startBrk()) < 0
                    && Long.compareUnsigned(brkVma.end(), mm.startBrk()) <= 0) {
                brkVma = null; // vma_prev_limit(vmi, mm->start_brk): nothing below the heap's start counts
            }
            if (doBrkFlags(mm, brkVma, oldBrk, newBrk - oldBrk) < 0) {
                return origBrk;
            }
            mm.setBrk(mm.startBrk(), brk);
            return brk;
        } finally {
            mm.mmapLock().writeUnlock();
        }
    }

    /**
     * {@code do_brk_flags} (mm/vma.c): VM_DATA_DEFAULT_FLAGS (VM_DATA_FLAGS_TSK_EXEC without READ_IMPLIES_EXEC:
     * read, write, may-read/write/exec) | VM_ACCOUNT, merged into the heap VMA when it ends at addr, else a
     * new VMA that does not try to merge.
     */
    private int doBrkFlags(Mm mm, Vma brkVma, long addr, long len) {
        VmaTree tree = mm.vmas();
        long flags = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC
                | VmFlags.VM_ACCOUNT;
        if (tree.mapCount() > tree.maxMapCount()) {
            return -Errno.ENOMEM;
        }
        long pgoff = addr >>> mm.layout().pageShift();
        if (brkVma != null && brkVma.end() == addr) {
            tree.mapRange(addr, addr + len, flags, pgoff, null, null);
            return 0;
        }
        tree.link(new Vma(addr, addr + len, flags, pgoff, null, null));
        return 0;
    }
}
