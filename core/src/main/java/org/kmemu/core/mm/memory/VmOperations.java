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
}
