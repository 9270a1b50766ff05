package org.kmemu.core.mm.memory;

import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * {@code access_process_vm()} / {@code access_remote_vm()} (mm/memory.c, 6.x): how ptrace
 * (PTRACE_PEEKDATA/POKEDATA) and /proc/PID/mem read and write another process's memory. The target's mmap
 * lock is taken for read; page by page, {@code get_user_pages_remote} takes a reference to the page
 * (faulting it in, breaking COW for a write, FOLL_FORCE overriding the VMA's permissions as ptrace asks),
 * {@code kmap_local_page} gives the kernel an address for it (a pkmap-free local slot even for a highmem
 * page on i386), the bytes are copied, a written page is marked dirty ({@code set_page_dirty_lock}), and
 * the page is unmapped and released ({@code unmap_and_put_page}).
 *
 * <p>The result counts the bytes transferred; an address with no VMA, or a page that cannot be had, ends
 * the transfer there (the kernel ignores the error and reports how much was done). Not modelled: the
 * {@code vm_ops->access} fallback for VM_IO/VM_PFNMAP mappings (generic_access_phys), stack expansion.
 */
public final class AccessRemote {
    private final Gup gup;
    private final Highmem highmem;
    private final PageApi pages;
    private final int pageShift;

    /**
     * @param gup       get_user_pages_remote
     * @param highmem   kmap_local_page
     * @param pages     set_page_dirty, put_page
     * @param pageShift PAGE_SHIFT
     */
    public AccessRemote(Gup gup, Highmem highmem, PageApi pages, int pageShift) {
        this.gup = gup;
        this.highmem = highmem;
        this.pages = pages;
        this.pageShift = pageShift;
    }

    /**
     * {@code access_process_vm(tsk, addr, buf, len, gup_flags)}.
     *
     * @param cpu      the calling CPU
     * @param tsk      the target task; a kernel thread (no mm) transfers nothing
     * @param addr     the address in the target
     * @param buf      the caller's buffer
     * @param off      offset in buf
     * @param len      bytes
     * @param gupFlags FOLL_WRITE to write buf into the target (else read), FOLL_FORCE as ptrace passes it
     * @return bytes transferred (0 to len)
     */
    public int accessProcessVm(Cpu cpu, Task tsk, long addr, byte[] buf, int off, int len, int gupFlags) {
        if (!(tsk.mm() instanceof Mm mm)) {
            return 0; // get_task_mm(): NULL for a kernel thread
        }
        return accessRemoteVm(cpu, mm, addr, buf, off, len, gupFlags);
    }

    /**
     * {@code access_remote_vm(mm, addr, buf, len, gup_flags)}.
     *
     * @param cpu      the calling CPU
     * @param mm       the target address space
     * @param addr     the address in it
     * @param buf      the caller's buffer
     * @param off      offset in buf
     * @param len      bytes
     * @param gupFlags FOLL_WRITE to write, FOLL_FORCE
     * @return bytes transferred
     */
    public int accessRemoteVm(Cpu cpu, Mm mm, long addr, byte[] buf, int off, int len, int gupFlags) {
        boolean write = (gupFlags & FollFlags.FOLL_WRITE) != 0;
        long pageSize = 1L << pageShift;
        long[] page = new long[1];
        int done = 0;
        mm.mmapLock().readLock();
        try {
            if (mm.vmas().vmaLookup(addr) == null) {
                return 0;
            }
            while (done < len) {
                long a = addr + done;
                if (gup.getUserPagesRemote(cpu, mm, a, 1, gupFlags, page, null) <= 0) {
                    // __access_remote_vm: no page (VM_IO / VM_PFNMAP, or none there); the VMA's ->access
                    // may still reach it, else the transfer stops here.
                    Vma vma = mm.vmas().vmaLookup(a);
                    VmOperations ops = vma == null || vma.file() == null ? null : vma.file().vmOps();
                    int got = ops == null ? 0 : ops.access(cpu, mm, vma, a, buf, off + done, len - done, write);
                    if (got <= 0) {
                        break;
                    }
                    done += got;
                    continue;
                }
                int offset = (int) (a & (pageSize - 1));
                int bytes = (int) Math.min(len - done, pageSize - offset);
                long maddr = highmem.kmapLocal(cpu, page[0]);
                try {
                    if (write) {
                        cpu.write(maddr + offset, buf, off + done, bytes); // copy_to_user_page
                        pages.setPageDirty(page[0]);
                    } else {
                        cpu.read(maddr + offset, buf, off + done, bytes); // copy_from_user_page
                    }
                } finally {
                    highmem.kunmapLocal(cpu, maddr);
                    pages.putPage(cpu, page[0]);
                }
                done += bytes;
            }
            return done;
        } finally {
            mm.mmapLock().readUnlock();
        }
    }
}
