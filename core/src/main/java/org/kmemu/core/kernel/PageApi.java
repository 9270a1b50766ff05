package org.kmemu.core.kernel;

import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.TraceBuffer;

/**
 * The page-granular allocation API of include/linux/gfp.h and mm/page_alloc.c, over the machine's
 * page-allocator policy: {@code alloc_pages}, {@code __free_pages}, {@code __get_free_pages},
 * {@code get_zeroed_page}, {@code free_pages}. Pages are named by pfn.
 *
 * <ul>
 *   <li>{@code __GFP_ZERO} clears the pages in emulated RAM ({@code prep_new_page} → {@code clear_highpage}).</li>
 *   <li>{@code __get_free_pages} returns a kernel virtual address, so it cannot hand out highmem; asking
 *       it for {@code __GFP_HIGHMEM} is the {@code VM_BUG_ON} older kernels had (current kernels mask
 *       the flag instead; kmemu keeps the report so that the mistake shows).</li>
 *   <li>{@code free_pages} of an address that is not a direct-mapped one is the
 *       {@code VM_BUG_ON(!virt_addr_valid(addr))} of mm/page_alloc.c.</li>
 *   <li>Freeing a PG_reserved page is mm/page_alloc.c's "Bad page state" (the page is left alone).</li>
 * </ul>
 * Every allocation and free is recorded as ftrace's {@code mm_page_alloc} / {@code mm_page_free} events
 * (include/trace/events/kmem.h) when tracing is on. Thread-safe as the page allocator is; each call
 * runs on the calling CPU.
 */
public final class PageApi {
    private final Machine machine;
    private final PageAllocator allocator;
    private final AddressTranslation addr;
    private final TraceBuffer trace;
    private final long pageAllocNanos;
    private final long pageFreeNanos;
    private final int shift;

    /**
     * @param machine a booted machine
     * @param trace   where tracepoint events go
     */
    public PageApi(Machine machine, TraceBuffer trace) {
        this.machine = machine;
        this.allocator = machine.pageAllocator();
        this.addr = new AddressTranslation(machine);
        this.trace = trace;
        this.pageAllocNanos = machine.clock().pageAllocNanos();
        this.pageFreeNanos = machine.clock().pageFreeNanos();
        this.shift = machine.pageShift();
    }

    /**
     * {@code alloc_pages(gfp, order)}.
     *
     * @param cpu   the calling CPU
     * @param gfp   allocation flags
     * @param order log2 of the page count
     * @return the first pfn, or {@link PageAllocator#NO_PFN} (also after the kernel's WARN for an order
     *         above MAX_PAGE_ORDER)
     * @throws KernelBugException for more than one of __GFP_DMA, __GFP_DMA32 and __GFP_HIGHMEM
     */
    public long allocPages(Cpu cpu, int gfp, int order) {
        cpu.charge(pageAllocNanos);
        if (order < 0 || order > allocator.maxOrder()) {
            // __alloc_pages(): WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp) and NULL (mm/page_alloc.c);
            // the order is unsigned there, so a negative one is huge.
            if ((gfp & Gfp.__GFP_NOWARN) == 0) {
                KernelWarning.warnOn(machine.log(), cpu, "mm/page_alloc.c __alloc_pages",
                        String.format("alloc_pages: order %d > MAX_PAGE_ORDER %d", order, allocator.maxOrder()));
            }
            return PageAllocator.NO_PFN;
        }
        if (Integer.bitCount(gfp & (Gfp.__GFP_DMA | Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM)) > 1) {
            // gfp_zone(): VM_BUG_ON((GFP_ZONE_BAD >> bit) & 1) (include/linux/gfp.h, CONFIG_DEBUG_VM).
            throw bug("include/linux/gfp.h", "gfp_zone", "VM_BUG_ON((GFP_ZONE_BAD >> bit) & 1)",
                    Gfp.format(gfp) + " names more than one zone");
        }
        long pfn = allocator.allocPages(cpu.id(), gfp, order);
        if (pfn == PageAllocator.NO_PFN) {
            return pfn;
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            machine.memory().fill(pfn << shift, (byte) 0, 1L << (shift + order));
        }
        if (trace.enabled()) {
            Task current = cpu.current();
            trace.mmPageAlloc(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), structPage(pfn), pfn, order,
                    Gfp.gfpMigratetype(gfp).ordinal(), gfp);
        }
        return pfn;
    }

    /**
     * {@code __free_pages(page, order)}.
     *
     * @param cpu   the calling CPU
     * @param pfn   the block's first page
     * @param order the order it was allocated with
     */
    public void freePages(Cpu cpu, long pfn, int order) {
        cpu.charge(pageFreeNanos);
        if (pfn == PageAllocator.NO_PFN) {
            // __free_pages(NULL, order): put_page_testzero() reads the NULL page's refcount.
            int digits = machine.arch().virtAddressBits() > 32 ? 16 : 8;
            List<String> report = List.of(String.format("BUG: kernel NULL pointer dereference, address: %0" + digits + "x", 0x34),
                    "__free_pages(NULL, " + order + "): the page of a failed alloc_pages", "Oops: 0000 [#1] SMP");
            for (String line : report) {
                machine.log().printk(org.kmemu.api.LogLevel.EMERG, line);
            }
            throw new KernelBugException(report);
        }
        if (order < 0 || order > allocator.maxOrder()) {
            // The kernel has no check: free_pages_prepare() walks 2^order pages into its neighbours' and
            // finds them in use. kmemu reports the bad page without touching them.
            machine.log().printk(cpu.id(), LogLevel.ERR, String.format("BUG: Bad page state in process %s  pfn:%05x",
                    cpu.current().comm(), pfn));
            machine.log().printk(cpu.id(), LogLevel.ERR, String.format("page dumped because: __free_pages order %d > MAX_PAGE_ORDER %d",
                    order, allocator.maxOrder()));
            return;
        }
        if (machine.pageFrames().pfnValid(pfn) && machine.pageFrames().isReserved(pfn)) {
            // free_page_is_bad(): PG_reserved is in PAGE_FLAGS_CHECK_AT_FREE (include/linux/page-flags.h).
            machine.log().printk(cpu.id(), LogLevel.ERR, String.format("BUG: Bad page state in process %s  pfn:%05x",
                    cpu.current().comm(), pfn));
            machine.log().printk(cpu.id(), LogLevel.ERR, "page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set (PG_reserved)");
            return;
        }
        if (trace.enabled()) {
            Task current = cpu.current();
            trace.mmPageFree(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), structPage(pfn), pfn, order);
        }
        allocator.freePages(cpu.id(), pfn, order);
    }

    /**
     * {@code __get_free_pages(gfp, order)}.
     *
     * @param cpu   the calling CPU
     * @param gfp   allocation flags, without __GFP_HIGHMEM
     * @param order log2 of the page count
     * @return the kernel virtual address, or 0
     * @throws KernelBugException for __GFP_HIGHMEM
     */
    public long getFreePages(Cpu cpu, int gfp, int order) {
        if ((gfp & Gfp.__GFP_HIGHMEM) != 0) {
            throw bug("mm/page_alloc.c", "__get_free_pages", "VM_BUG_ON((gfp_mask & __GFP_HIGHMEM) != 0)", Gfp.format(gfp)
                    + " asks for highmem, which has no kernel address: use alloc_pages() and kmap()");
        }
        long pfn = allocPages(cpu, gfp, order);
        return pfn == PageAllocator.NO_PFN ? 0 : addr.pageAddress(pfn);
    }

    /**
     * {@code get_zeroed_page(gfp)}.
     *
     * @param cpu the calling CPU
     * @param gfp allocation flags
     * @return the kernel virtual address of a zeroed page, or 0
     */
    public long getZeroedPage(Cpu cpu, int gfp) {
        return getFreePages(cpu, gfp | Gfp.__GFP_ZERO, 0);
    }

    /**
     * {@code free_pages(addr, order)}: 0 is ignored.
     *
     * @param cpu   the calling CPU
     * @param vaddr the address {@link #getFreePages} returned
     * @param order the order
     * @throws KernelBugException if {@code vaddr} is not a direct-mapped address
     */
    public void freePagesVirt(Cpu cpu, long vaddr, int order) {
        if (vaddr == 0) {
            return;
        }
        if (!addr.virtAddrValid(vaddr)) {
            throw bug("mm/page_alloc.c", "free_pages", "VM_BUG_ON(!virt_addr_valid((void *)addr))",
                    String.format("%#x is not a direct-mapped address", vaddr));
        }
        freePages(cpu, addr.virtToPage(vaddr), order);
    }

    /** @param pfn a page @return {@code page_address()}: its kernel address, or 0 for unmapped highmem */
    public long pageAddress(long pfn) {
        return addr.pageAddress(pfn);
    }

    /**
     * The address of the page's {@code struct page} as the kernel's trace prints it: mem_map is one array
     * that boot put in lowmem (FLATMEM's layout; x86_64's vmemmap places it elsewhere, which kmemu does not
     * model).
     */
    private long structPage(long pfn) {
        return machine.memmapVirt() + pfn * machine.arch().structPageBytes();
    }

    private KernelBugException bug(String file, String function, String condition, String why) {
        List<String> report = KernelOopsException.bugLines(file, function, condition + ": " + why);
        for (String line : report) {
            machine.log().printk(org.kmemu.api.LogLevel.EMERG, line);
        }
        return new KernelBugException(report);
    }
}
