package org.kmemu.core.mm.memory;

import org.kmemu.api.Errno;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * The {@code vm_operations_struct} of a driver mapping raw frames with remap_pfn_range that lets
 * access_process_vm (ptrace, /proc/PID/mem) in: {@code .access = generic_access_phys} (mm/memory.c), as
 * drivers/char/mem.c's {@code mmap_mem_ops} has it. Its {@code ->fault} is none: a missing PTE in such a VMA
 * is SIGBUS (do_fault without ->fault, mm/memory.c).
 *
 * <p>{@code generic_access_phys}: only a VM_IO | VM_PFNMAP VMA (follow_pfnmap_start's -EINVAL otherwise), a
 * present PTE, and for a write a writable one (-EINVAL); then the bytes go through the physical bus to RAM
 * or the device (the kernel's ioremap_prot + memcpy_toio/memcpy_fromio of the frame).
 */
public final class GenericAccessPhys implements VmOperations {
    private final UserPageTables tables;
    private final PhysicalMemory memory;

    GenericAccessPhys(UserPageTables tables, PhysicalMemory memory) {
        this.tables = tables;
        this.memory = memory;
    }

    @Override
    public int fault(VmFault vmf) {
        return VmFaultCodes.VM_FAULT_SIGBUS;
    }

    @Override
    public int access(Cpu cpu, Mm mm, Vma vma, long addr, byte[] buf, int off, int len, boolean write) {
        if ((vma.flags() & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) == 0) {
            return -Errno.EINVAL;
        }
        long pte;
        synchronized (mm.pageTableLock()) {
            long ptep = tables.ptep(cpu, mm, addr, false);
            pte = ptep == UserPageTables.NO_PTEP ? 0 : tables.readPte(ptep);
        }
        int flags = tables.flags(pte);
        if ((flags & PteFlags.PRESENT) == 0 || write && (flags & PteFlags.WRITE) == 0) {
            return -Errno.EINVAL;
        }
        long pageSize = 1L << tables.pageShift();
        int offset = (int) (addr & (pageSize - 1));
        int bytes = (int) Math.min(len, pageSize - offset);
        long phys = (tables.pfn(pte) << tables.pageShift()) + offset;
        if (write) {
            memory.write(phys, buf, off, bytes);
        } else {
            memory.read(phys, buf, off, bytes);
        }
        return bytes;
    }
}
