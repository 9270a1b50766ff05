package org.kmemu.core.mm.memory;

/**
 * {@code struct vm_operations_struct}: what a file mapping's backing does when a page of it is touched.
 * A regular file's are {@code generic_file_vm_ops} (mm/filemap.c): {@link #fault} is {@code filemap_fault}.
 */
public interface VmOperations {

    /**
     * {@code ->fault}: finds the page of {@code vmf.pgoff} (from the page cache, reading it when it is not
     * there), takes a reference on it for the caller and stores its frame in {@code vmf.pfn}.
     *
     * <p>Called with the mmap lock held for read. When the page needs I/O and
     * {@code vmf.flags} has {@link FaultFlags#FAULT_FLAG_ALLOW_RETRY} without
     * {@link FaultFlags#FAULT_FLAG_TRIED}, it starts the read, drops the mmap lock (unless
     * {@link FaultFlags#FAULT_FLAG_RETRY_NOWAIT}) and returns {@link VmFaultCodes#VM_FAULT_RETRY}, as
     * {@code filemap_fault} does, leaving {@code vmf.pfn} at -1.
     *
     * <p>Accounting: {@code handle_mm_fault} counts PGMAJFAULT and the task's maj_flt for a
     * VM_FAULT_MAJOR answer ({@link VmEvents}); {@code ->fault} does not count them itself.
     *
     * @param vmf the fault
     * @return 0 or {@link VmFaultCodes#VM_FAULT_MAJOR} (I/O was needed) with the page in {@code vmf.pfn};
     *         VM_FAULT_RETRY; VM_FAULT_SIGBUS past the end of the file; VM_FAULT_OOM
     */
    int fault(VmFault vmf);

    /**
     * {@code ->page_mkwrite}: a shared writable mapping's page is about to become writable (the file
     * system may account it dirty). The default allows it.
     *
     * @param vmf the fault, with {@code vmf.pfn} the page
     * @return 0, or VM_FAULT_SIGBUS to refuse
     */
    default int pageMkwrite(VmFault vmf) {
        return 0;
    }

    /**
     * {@code ->access}: access_process_vm's way into a VMA that get_user_pages refuses (VM_IO | VM_PFNMAP),
     * e.g. {@code generic_access_phys} (mm/memory.c), which /dev/mem's mappings and many drivers install.
     * The default stands for a NULL {@code ->access}: nothing is transferred and access_remote_vm stops
     * (mm/memory.c __access_remote_vm).
     *
     * @param cpu   the calling CPU
     * @param mm    the target mm (its mmap lock held for read)
     * @param vma   the VMA holding addr
     * @param addr  the user address
     * @param buf   the caller's buffer
     * @param off   offset in buf
     * @param len   bytes wanted
     * @param write true to write buf into the mapping
     * @return bytes transferred (at most to the end of addr's page), or 0 / a negative errno to stop
     */
    default int access(org.kmemu.core.mmu.Cpu cpu, org.kmemu.core.mm.vma.Mm mm, org.kmemu.core.mm.vma.Vma vma,
            long addr, byte[] buf, int off, int len, boolean write) {
        return 0;
    }
}
