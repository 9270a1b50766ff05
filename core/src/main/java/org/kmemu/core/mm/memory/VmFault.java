package org.kmemu.core.mm.memory;

import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code struct vm_fault}: one fault as {@code handle_mm_fault()} hands it to a mapping's
 * {@link VmOperations#fault}. The handler fills in the input fields; {@code ->fault} answers with the page
 * in {@link #pfn} (holding a reference for the caller) and {@link VmFaultCodes} bits. Used by one CPU's
 * thread for one fault; never shared.
 */
public final class VmFault {
    /** The faulting CPU (allocations are made as this CPU). */
    public final Cpu cpu;
    /** The address space. */
    public final Mm mm;
    /** The VMA the address lies in. */
    public final Vma vma;
    /** The faulting address, page aligned ({@code vmf->address}). */
    public final long address;
    /** The page of the file the address maps ({@code vmf->pgoff}). */
    public final long pgoff;
    /** {@link FaultFlags} bits ({@code vmf->flags}). */
    public final int flags;
    /** Out: the page frame {@code ->fault} found, with a reference taken for the caller; -1 if none. */
    public long pfn = -1;

    /**
     * @param cpu     the faulting CPU
     * @param mm      the address space
     * @param vma     the VMA
     * @param address the page-aligned faulting address
     * @param pgoff   the file page
     * @param flags   FAULT_FLAG_* bits
     */
    public VmFault(Cpu cpu, Mm mm, Vma vma, long address, long pgoff, int flags) {
        this.cpu = cpu;
        this.mm = mm;
        this.vma = vma;
        this.address = address;
        this.pgoff = pgoff;
        this.flags = flags;
    }
}
