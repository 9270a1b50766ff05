package org.kmemu.core.fs;

import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_ALLOW_RETRY;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_RETRY_NOWAIT;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_TRIED;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_MAJOR;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_NOPAGE;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_OOM;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_RETRY;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_SIGBUS;

import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.memory.VmOperations;

/**
 * {@code generic_file_vm_ops} of one inode (mm/filemap.c): {@code ->fault} is {@code filemap_fault},
 * {@code ->page_mkwrite} is {@code filemap_page_mkwrite}. The kernel has one shared ops table and finds
 * the page cache through {@code vmf->vma->vm_file->f_mapping}; kmemu binds an ops object to its inode
 * instead, so a {@link org.kmemu.core.mm.vma.VmFile} needs no file-system type.
 *
 * <h2>filemap_fault</h2>
 * <ol>
 *   <li>{@code pgoff >= DIV_ROUND_UP(i_size, PAGE_SIZE)}: VM_FAULT_SIGBUS.</li>
 *   <li>Page cached: take a reference, lock it ({@code lock_folio_maybe_drop_mmap}: if it is locked
 *       because someone is reading it and this is a first try with FAULT_FLAG_ALLOW_RETRY, drop the mmap
 *       lock (not with FAULT_FLAG_RETRY_NOWAIT), wait for the page, and return VM_FAULT_RETRY; otherwise
 *       wait holding the mmap lock), check it was not truncated meanwhile (then look again), re-read it if
 *       it is not uptodate (VM_FAULT_MAJOR), check EOF again (SIGBUS), unlock it and return it in
 *       {@code vmf.pfn}: 0, a minor fault.</li>
 *   <li>Not cached: the fault needs I/O. PGMAJFAULT counts it ({@code count_vm_event}) and the result
 *       carries VM_FAULT_MAJOR. On a first try with FAULT_FLAG_ALLOW_RETRY ({@code
 *       fault_flag_allow_retry_first}) the mmap lock is dropped before the I/O
 *       ({@code maybe_unlock_mmap_for_io}; kept with FAULT_FLAG_RETRY_NOWAIT), the read is started (and,
 *       in kmemu's disk model, completes: see {@link Filemap}) and the answer is
 *       {@code VM_FAULT_MAJOR | VM_FAULT_RETRY} with no page, as filemap_fault's {@code out_retry}
 *       returns {@code ret | VM_FAULT_RETRY}. The retry (FAULT_FLAG_TRIED, lock taken again by the caller)
 *       finds the page in the cache. Without ALLOW_RETRY, or on a retry that still misses, the read is
 *       synchronous and the page comes back with VM_FAULT_MAJOR.</li>
 *   <li>A retry (FAULT_FLAG_TRIED) that returns a page carries VM_FAULT_MAJOR: mm/memory.c's
 *       {@code mm_account_fault} counts a completed fault as major when {@code (ret & VM_FAULT_MAJOR) ||
 *       (flags & FAULT_FLAG_TRIED)}, so the bit tells the fault handler to count maj_flt. It must count on
 *       the completed call only: mm_account_fault ignores results with VM_FAULT_RETRY or an error bit.</li>
 *   <li>No page could be allocated: VM_FAULT_OOM (VM_FAULT_RETRY if the mmap lock was dropped already).</li>
 * </ol>
 * The page comes back unlocked (the lead's contract for {@code ->fault}; the kernel returns it locked
 * with VM_FAULT_LOCKED).
 */
public final class GenericFileVmOps implements VmOperations {
    private final Filemap fm;
    private final Inode inode;

    GenericFileVmOps(Filemap fm, Inode inode) {
        this.fm = fm;
        this.inode = inode;
    }

    /** @return the inode whose page cache this faults from */
    public Inode inode() {
        return inode;
    }

    @Override
    public int fault(VmFault vmf) {
        AddressSpace m = inode.mapping();
        int shift = fm.pageShift();
        long index = vmf.pgoff;
        vmf.pfn = -1;
        if (index < 0 || index >= inode.pagesCovered(shift)) {
            return VM_FAULT_SIGBUS;
        }
        boolean retryFirst = (vmf.flags & FAULT_FLAG_ALLOW_RETRY) != 0 && (vmf.flags & FAULT_FLAG_TRIED) == 0;
        boolean nowait = (vmf.flags & FAULT_FLAG_RETRY_NOWAIT) != 0;
        int ret = 0;
        for (;;) {
            long pfn = fm.findGetPage(m, index);
            if (pfn == Filemap.NO_PFN) {
                if ((ret & VM_FAULT_MAJOR) == 0) {
                    fm.stats().countMajorFault();
                    ret |= VM_FAULT_MAJOR;
                }
                if (retryFirst) {
                    if (!nowait) {
                        vmf.mm.mmapLock().readUnlock(); // fpin = maybe_unlock_mmap_for_io(vmf, fpin)
                    }
                    long read = fm.createAndRead(vmf.cpu, m, index);
                    if (read >= 0) {
                        fm.put(vmf.cpu, read);
                    }
                    return ret | VM_FAULT_RETRY;
                }
                pfn = fm.createAndRead(vmf.cpu, m, index);
                if (pfn == Filemap.RACED) {
                    continue;
                }
                if (pfn == Filemap.BEYOND_EOF) {
                    return VM_FAULT_SIGBUS;
                }
                if (pfn == Filemap.NO_PFN) {
                    return VM_FAULT_OOM;
                }
                return found(vmf, pfn, ret);
            }
            if (!fm.pageLock().trylock(pfn)) {
                if (retryFirst) {
                    // lock_folio_maybe_drop_mmap: do not sleep on the page holding the mmap lock.
                    if (nowait) {
                        fm.put(vmf.cpu, pfn);
                        return ret | VM_FAULT_RETRY;
                    }
                    vmf.mm.mmapLock().readUnlock();
                    fm.pageLock().lock(vmf.cpu, pfn);
                    fm.pageLock().unlock(pfn);
                    fm.put(vmf.cpu, pfn);
                    return ret | VM_FAULT_RETRY;
                }
                fm.pageLock().lock(vmf.cpu, pfn);
            }
            if (!fm.stillCached(m, pfn, index)) { // truncated while we waited
                fm.pageLock().unlock(pfn);
                fm.put(vmf.cpu, pfn);
                continue;
            }
            if (!fm.uptodate(pfn)) { // page_not_uptodate: read it again
                ret |= VM_FAULT_MAJOR;
                fm.readFolio(m, pfn, index);
            }
            fm.pageLock().unlock(pfn);
            if (index >= inode.pagesCovered(shift)) { // i_size shrank after our first check
                fm.put(vmf.cpu, pfn);
                return VM_FAULT_SIGBUS;
            }
            return found(vmf, pfn, ret);
        }
    }

    private static int found(VmFault vmf, long pfn, int ret) {
        vmf.pfn = pfn;
        if ((vmf.flags & FAULT_FLAG_TRIED) != 0) {
            ret |= VM_FAULT_MAJOR; // mm_account_fault: a retried fault is a major one
        }
        return ret;
    }

    /**
     * {@code filemap_page_mkwrite}: a shared writable mapping is about to write to the page: lock it,
     * check it is still this file's (else VM_FAULT_NOPAGE: the fault is retried), mark it dirty
     * (NR_FILE_DIRTY), unlock it.
     *
     * @param vmf the fault, with {@code vmf.pfn} the page
     * @return 0, VM_FAULT_NOPAGE if the page was truncated meanwhile
     */
    @Override
    public int pageMkwrite(VmFault vmf) {
        long pfn = vmf.pfn;
        AddressSpace m = inode.mapping();
        fm.pageLock().lock(vmf.cpu, pfn);
        if (!fm.stillCached(m, pfn, vmf.pgoff)) {
            fm.pageLock().unlock(pfn);
            return VM_FAULT_NOPAGE;
        }
        fm.markDirty(pfn);
        fm.pageLock().unlock(pfn);
        return 0;
    }

    @Override
    public String toString() {
        return "generic_file_vm_ops of " + inode;
    }
}
