package org.kmemu.core.testing;

import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * Test scaffolding until the mm lands: user pages mapped straight into the kernel's page-table root
 * below TASK_SIZE ({@code swapper_pg_dir}'s user half, which no task uses yet), with user PTEs in the
 * architecture's format, so that uaccess and the fault path can be tested on real user translations.
 * When tasks have their own roots and VMAs, tests map through the mm instead.
 */
public final class UserPages {
    private final Machine m;
    private final Cpu cpu;

    /**
     * @param m   a booted machine
     * @param cpu the CPU that maps (and flushes)
     */
    public UserPages(Machine m, Cpu cpu) {
        this.m = m;
        this.cpu = cpu;
    }

    /**
     * Maps a fresh page, user-accessible and writable, at a user address.
     *
     * @param uaddr a page-aligned address below TASK_SIZE
     * @return the page's pfn
     */
    public long map(long uaddr) {
        return map(uaddr, Gfp.GFP_KERNEL, PteFlags.WRITE);
    }

    /**
     * @param uaddr a page-aligned address below TASK_SIZE
     * @param gfp   where the page comes from (GFP_HIGHUSER for a highmem page)
     * @param flags {@link PteFlags} besides USER (WRITE for a writable page)
     * @return the page's pfn
     */
    public long map(long uaddr, int gfp, int flags) {
        if (Long.compareUnsigned(uaddr, m.layout().taskSize()) >= 0 || (uaddr & 0xfff) != 0) {
            throw new IllegalArgumentException(String.format("uaddr: %#x (expected: page-aligned, below TASK_SIZE)", uaddr));
        }
        long pfn = m.pageAllocator().allocPages(cpu.id(), gfp, 0);
        if (pfn == PageAllocator.NO_PFN) {
            throw new IllegalStateException("no page for a user mapping");
        }
        m.memory().fill(pfn << m.pageShift(), (byte) 0, 1L << m.pageShift());
        mapPfn(uaddr, pfn, flags);
        return pfn;
    }

    /**
     * Maps a given page at a user address and flushes the old translation from every CPU.
     *
     * @param uaddr a page-aligned address below TASK_SIZE
     * @param pfn   the page
     * @param flags {@link PteFlags} besides USER
     */
    public void mapPfn(long uaddr, long pfn, int flags) {
        m.mmu().kernelTables().mapPage(cpu, uaddr, pfn << m.pageShift(), flags | PteFlags.USER);
        m.mmu().flushTlbPage(cpu, uaddr);
    }

    /**
     * Maps {@code nrPages} fresh pages from {@code uaddr} on.
     *
     * @param uaddr   first page
     * @param nrPages how many
     */
    public void mapRange(long uaddr, int nrPages) {
        for (int i = 0; i < nrPages; i++) {
            map(uaddr + ((long) i << m.pageShift()));
        }
    }

    /**
     * Removes a user page's PTE and flushes it from every CPU (the page is not freed).
     *
     * @param uaddr the page
     */
    public void unmap(long uaddr) {
        m.mmu().kernelTables().clearPage(uaddr);
        m.mmu().flushTlbPage(cpu, uaddr);
    }
}
