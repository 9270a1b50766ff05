package org.kmemu.core.mm.memory;

import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;

/** {@code handle_mm_fault()} as the get_user_pages family calls it (regs NULL: a fault on another's behalf). */
@FunctionalInterface
public interface MmFaultHandler {

    /**
     * Resolves a fault at {@code address} in {@code vma}. Called with the mmap lock held for read; with
     * {@link FaultFlags#FAULT_FLAG_ALLOW_RETRY} it may drop the lock and return
     * {@link VmFaultCodes#VM_FAULT_RETRY}. Does not check the VMA's permissions (the caller did).
     *
     * @param cpu        the calling CPU
     * @param mm         the address space
     * @param vma        the VMA holding the address
     * @param address    the address
     * @param faultFlags {@link FaultFlags} bits
     * @return {@link VmFaultCodes} bits, 0 when the page is mapped
     */
    int handleMmFault(Cpu cpu, Mm mm, Vma vma, long address, int faultFlags);
}
