package org.kmemu.core.mm.memory;

import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;

/**
 * The end of an address space: {@code exit_mmap} (mm/mmap.c, 6.12) then {@code mmdrop}'s {@code pgd_free}.
 * Under the mmap lock every VMA's pages are zapped ({@code unmap_vmas} through
 * {@link PageTableOps#unmapRange}: each page loses its mapcount and reference, the last reference frees it),
 * the page tables of the whole user range are freed ({@code free_pgtables(FIRST_USER_ADDRESS,
 * USER_PGTABLES_CEILING)}), then {@link Mm#destroy} removes the VMAs and frees what tables are left and the
 * root. No CPU may run the mm any more (the caller moved lazy users to init_mm).
 */
public final class ExitMmap {
    private final PageTableOps ops;
    private final PageApi pages;
    private final Mmu mmu;

    /**
     * @param ops    the page-table side (zap, free_pgtables)
     * @param pages  the page API the root goes back to
     * @param mmu    the MMU (the format, RAM, the TLB flush and the context destroy_context frees)
     */
    public ExitMmap(PageTableOps ops, PageApi pages, Mmu mmu) {
        this.ops = ops;
        this.pages = pages;
        this.mmu = mmu;
    }

    /**
     * @param cpu the CPU doing the teardown
     * @param mm  an mm nobody uses any more
     */
    public void exitMmap(Cpu cpu, Mm mm) {
        mm.mmapLock().writeLock();
        try {
            int count = 0;
            for (Vma vma : mm.vmas().vmas()) {
                ops.unmapRange(cpu, mm, vma, vma.start(), vma.end());
                count++;
            }
            ops.freePgtables(cpu, mm, 0, mm.taskSize());
            assert count == mm.vmas().mapCount() : "exit_mmap: BUG_ON(count != mm->map_count)";
        } finally {
            mm.mmapLock().writeUnlock();
        }
        mm.destroy(cpu, pages, mmu);
    }
}
