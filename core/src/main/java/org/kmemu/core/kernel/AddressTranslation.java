package org.kmemu.core.kernel;

import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.LogLevel;
import org.kmemu.core.mm.PageFrames;

/**
 * The kernel's conversions between virtual addresses, physical addresses and pages, with the
 * kernel's names. kmemu has no {@code struct page} objects: a page is named by its pfn, so
 * {@code pfn_to_page} and {@code page_to_pfn} are checks rather than arithmetic. The rules are those
 * of include/linux/mm.h and include/asm-generic/memory_model.h:
 * <ul>
 *   <li>{@code virt_to_page}, {@code __pa}: only for direct-mapped (lowmem) addresses; anything else
 *       is CONFIG_DEBUG_VIRTUAL's VIRTUAL_BUG_ON, a {@link KernelBugException} (its report also goes to
 *       the kernel log), as are page_to_virt of a highmem page and pfn_to_page of an invalid pfn.</li>
 *   <li>{@code page_address}: the direct-map address of a lowmem page; NULL (0) for a highmem page
 *       that is not kmapped (mm/highmem.c; kmap comes with a later issue).</li>
 * </ul>
 * Stateless over the machine; thread-safe.
 */
public final class AddressTranslation {
    private final KernelLayout layout;
    private final PageFrames frames;
    private final KernelLog log;
    private final int shift;

    /**
     * @param layout    the kernel's virtual layout (PAGE_OFFSET, high_memory, the direct map)
     * @param frames    the page frames (pfn_valid, PG_highmem)
     * @param log       where a VIRTUAL_BUG_ON report goes
     * @param pageShift PAGE_SHIFT
     */
    public AddressTranslation(KernelLayout layout, PageFrames frames, KernelLog log, int pageShift) {
        this.log = log;
        this.layout = layout;
        this.frames = frames;
        this.shift = pageShift;
    }

    /** @param vaddr a direct-mapped address @return {@code __pa(vaddr)} */
    public long pa(long vaddr) {
        return layout.pa(vaddr);
    }

    /** @param paddr a lowmem physical address @return {@code __va(paddr)} */
    public long va(long paddr) {
        return layout.va(paddr);
    }

    /** @param vaddr any address @return {@code virt_addr_valid(vaddr)} */
    public boolean virtAddrValid(long vaddr) {
        return layout.virtAddrValid(vaddr) && frames.pfnValid(layout.pa(vaddr) >>> shift);
    }

    /**
     * {@code virt_to_page()}.
     *
     * @param vaddr a direct-mapped address of RAM
     * @return its page's pfn
     * @throws KernelBugException if {@code virt_addr_valid()} is false
     */
    public long virtToPage(long vaddr) {
        if (!virtAddrValid(vaddr)) {
            throw bug("virt_to_page", String.format("virt_to_page: %#x is not a direct-mapped address of RAM"
                    + " (expected: virt_addr_valid; use vmalloc_to_page or kmap for vmalloc and highmem)", vaddr));
        }
        return layout.pa(vaddr) >>> shift;
    }

    /**
     * {@code page_to_virt()} / {@code lowmem_page_address()}.
     *
     * @param pfn a lowmem page
     * @return its direct-map address
     * @throws KernelBugException for a highmem page, which has no permanent address
     */
    public long pageToVirt(long pfn) {
        if (pfn >= layout.maxLowPfn()) {
            throw bug("page_to_virt", String.format("page_to_virt: pfn %#x is highmem (expected: below max_low_pfn %#x;"
                    + " map it with kmap)", pfn, layout.maxLowPfn()));
        }
        return layout.va(pfn << shift);
    }

    /**
     * {@code page_address()}.
     *
     * @param pfn a page
     * @return its kernel virtual address, or 0 (NULL) for a highmem page that is not mapped
     */
    public long pageAddress(long pfn) {
        return pfn < layout.maxLowPfn() ? layout.va(pfn << shift) : 0;
    }

    /**
     * {@code pfn_to_page()}, which is only defined where {@code pfn_valid()} holds.
     *
     * @param pfn a page frame number
     * @return the same pfn, the page's name in kmemu
     * @throws KernelBugException if the pfn has no struct page
     */
    public long pfnToPage(long pfn) {
        if (!frames.pfnValid(pfn)) {
            throw bug("pfn_to_page", String.format("pfn_to_page: pfn %#x is not valid (expected: pfn_valid)", pfn));
        }
        return pfn;
    }

    /** @param page a page (its pfn) @return {@code page_to_pfn(page)} */
    public long pageToPfn(long page) {
        return page;
    }

    /** @param pfn a page @return {@code PageHighMem()}: whether it lies above the direct map */
    public boolean pageHighMem(long pfn) {
        return pfn >= layout.maxLowPfn();
    }

    /** CONFIG_DEBUG_VIRTUAL's VIRTUAL_BUG_ON in __pa/__va (arch/x86/mm/physaddr.c on x86). */
    private KernelBugException bug(String function, String why) {
        List<String> report = KernelOopsException.bugLines("include/linux/mm.h", function, why);
        for (String line : report) {
            log.printk(LogLevel.EMERG, line);
        }
        return new KernelBugException(report);
    }
}
