package org.kmemu.core.mm.memory;

import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.vma.VmFlags;

/**
 * {@code vm_get_page_prot()}: the PTE protections a VMA's flags give its pages ({@code protection_map},
 * mm/mmap.c, with the arch's PAGE_* values: arch/x86/mm/pgprot.c, arch/powerpc/mm/pgtable.c). As in
 * Linux a private mapping's pages are never writable through {@code vm_page_prot} (PAGE_COPY): the write
 * fault makes the PTE writable ({@link #maybeMkwrite}) once the page is the process's own, which is how
 * copy-on-write is marked. Shared writable mappings get writable PTEs.
 *
 * <p>PROT_NONE (none of VM_READ, VM_WRITE, VM_EXEC) has no present encoding: {@link #PROT_NONE} stands for
 * x86's {@code PAGE_NONE} (_PAGE_PROTNONE, present bit clear), see {@link UserMemory}'s PTE conventions.
 */
final class PageProt {
    /** The {@link PteFlags} answer for a VMA no access may go through: a non-present but non-empty PTE. */
    static final int PROT_NONE = -1;

    private PageProt() {
    }

    /**
     * @param vmFlags vm_flags
     * @return the {@link PteFlags} of a new PTE (without PRESENT), or {@link #PROT_NONE}
     */
    static int vmGetPageProt(long vmFlags) {
        if ((vmFlags & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC)) == 0) {
            return PROT_NONE;
        }
        int prot = PteFlags.USER;
        if ((vmFlags & VmFlags.VM_EXEC) != 0) {
            prot |= PteFlags.EXEC;
        }
        if ((vmFlags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) {
            prot |= PteFlags.WRITE;
        }
        return prot;
    }

    /**
     * {@code maybe_mkwrite()} (include/linux/mm.h): writable only if the VMA is.
     *
     * @param prot    PTE flags
     * @param vmFlags vm_flags
     * @return prot, with WRITE if VM_WRITE
     */
    static int maybeMkwrite(int prot, long vmFlags) {
        return (vmFlags & VmFlags.VM_WRITE) != 0 ? prot | PteFlags.WRITE : prot;
    }

    /** @param vmFlags vm_flags @return {@code vma_is_accessible()}: any of VM_READ, VM_WRITE, VM_EXEC */
    static boolean accessible(long vmFlags) {
        return (vmFlags & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC)) != 0;
    }
}
