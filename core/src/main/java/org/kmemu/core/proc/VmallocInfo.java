package org.kmemu.core.proc;

import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.kernel.VmapArea;

/**
 * /proc/vmallocinfo, as mm/vmalloc.c {@code vmalloc_info_show()} prints it on 6.x (read by root with
 * kptr_restrict allowing it, so {@code %pK} shows the real address, zero-padded to
 * {@code 2 * sizeof(void *)} hex digits: 16 on 64-bit, 8 on 32-bit). Each busy area, by address:
 * <pre>
 * "0x%pK-0x%pK %7ld"   addr, addr + size, size (the guard page included)
 * " %pS"               the caller, if known
 * " pages=%d"          nr_pages, if any
 * " phys=%pa"          the physical address of an ioremap area, if not 0 ({@code %pa}: 0x and
 *                      {@code 2 * sizeof(phys_addr_t)} hex digits)
 * " ioremap"           VM_IOREMAP
 * " vmalloc" / " vmap" VM_ALLOC / VM_MAP, in the kernel's flag order
 * " vpages"            the page array was itself vmalloc'ed
 * " N0=%d"             show_numa_info(): pages per node (kmemu has node 0 only; CONFIG_NUMA assumed)
 * </pre>
 * then, as the kernel's final step ({@code show_purge_info()}), every lazily freed area not yet
 * purged: {@code "0x%pK-0x%pK %7ld unpurged vm_area"}.
 *
 * <p>ProcFs renders from a {@link org.kmemu.core.machine.Machine}, which does not hold a
 * {@link Vmalloc} yet, so this file is rendered from the Vmalloc directly.
 */
public final class VmallocInfo {
    private VmallocInfo() {
    }

    /**
     * @param vmalloc the machine's vmalloc space
     * @return the file's text, every line ending in a newline
     */
    public static String render(Vmalloc vmalloc) {
        int digits = vmalloc.pointerBytes() * 2;
        String range = "0x%0" + digits + "x-0x%0" + digits + "x %7d";
        long mask = digits == 16 ? -1L : 0xffffffffL;
        String phys = " phys=0x%0" + (vmalloc.physAddrBytes() * 2) + "x";
        StringBuilder out = new StringBuilder();
        for (VmapArea va : vmalloc.busyAreas()) {
            out.append(String.format(range, va.vaStart() & mask, va.vaEnd() & mask, va.size()));
            if (va.caller() != null) {
                out.append(' ').append(va.caller());
            }
            if (va.nrPages() > 0) {
                out.append(" pages=").append(va.nrPages());
            }
            if (va.physAddr() != 0) {
                out.append(String.format(phys, va.physAddr()));
            }
            if ((va.flags() & Vmalloc.VM_IOREMAP) != 0) {
                out.append(" ioremap");
            }
            if ((va.flags() & Vmalloc.VM_ALLOC) != 0) {
                out.append(" vmalloc");
            }
            if ((va.flags() & Vmalloc.VM_MAP) != 0) {
                out.append(" vmap");
            }
            if ((va.flags() & Vmalloc.VM_USERMAP) != 0) {
                out.append(" user"); // vmalloc_info_show(), mm/vmalloc.c: after vmap, before vpages
            }
            if (va.pagesArray() != 0) {
                out.append(" vpages");
            }
            // show_numa_info() skips areas still VM_UNINITIALIZED and prints only non-zero counts.
            if ((va.flags() & Vmalloc.VM_UNINITIALIZED) == 0 && va.nrPages() > 0) {
                out.append(" N0=").append(va.nrPages());
            }
            out.append('\n');
        }
        for (VmapArea va : vmalloc.purgeAreas()) {
            out.append(String.format(range, va.vaStart() & mask, va.vaEnd() & mask, va.size())).append(" unpurged vm_area\n");
        }
        return out.toString();
    }
}
