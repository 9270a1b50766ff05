package org.kmemu.core.kernel;

import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.Tracepoints;

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
    private final java.util.concurrent.atomic.LongAdder nrAnonMapped = new java.util.concurrent.atomic.LongAdder();
    private final PageAllocator allocator;
    private final AddressTranslation addr;
    private final Tracepoints trace;
    private final long pageAllocNanos;
    private final long pageFreeNanos;
    private final int shift;
    private final PageFrames frames;
    private final PhysicalMemory memory;
    private final KernelLog log;
    private final ArchSpec arch;
    private final long memmapVirt;

    /**
     * @param arch       the architecture (PAGE_SHIFT, pointer width for dump_page, sizeof(struct page))
     * @param allocator  the buddy allocator the pages come from
     * @param frames     the page frames (refcount, mapcount, flags, the mapping word)
     * @param memory     RAM, which __GFP_ZERO clears
     * @param addr       the address conversions (page_address for the trace events)
     * @param memmapVirt the kernel virtual address of mem_map (a page's struct page address in reports)
     * @param log        where warnings and Bad page state go
     * @param trace      where tracepoint events go
     * @param clock      the modelled costs of an allocation and a free, charged to the calling CPU
     */
    public PageApi(ArchSpec arch, PageAllocator allocator, PageFrames frames, PhysicalMemory memory,
            AddressTranslation addr, long memmapVirt, KernelLog log, Tracepoints trace, MachineConfig.ClockSpec clock) {
        this.arch = arch;
        this.allocator = allocator;
        this.addr = addr;
        this.trace = trace;
        this.pageAllocNanos = clock.pageAllocNanos();
        this.pageFreeNanos = clock.pageFreeNanos();
        this.shift = arch.pageShift();
        this.frames = frames;
        this.memory = memory;
        this.log = log;
        this.memmapVirt = memmapVirt;
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
                KernelWarning.warnOn(log, cpu, "mm/page_alloc.c __alloc_pages",
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
        // post_alloc_hook() → set_page_refcounted(): only the first page of a block holds a reference;
        // prep_compound_page() marks a __GFP_COMP block's head and records its order.
        frames.setRefcount(pfn, 1);
        if ((gfp & Gfp.__GFP_COMP) != 0 && order > 0) {
            frames.setFlags(pfn, pfn + 1, PageFlags.PG_HEAD, true);
            frames.setOrder(pfn, order);
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            memory.fill(pfn << shift, (byte) 0, 1L << (shift + order));
        }
        if (trace.active()) {
            Task current = cpu.current();
            trace.mmPageAlloc(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), structPage(pfn), pfn, order,
                    Gfp.gfpMigratetype(gfp).ordinal(), gfp);
        }
        return pfn;
    }

    /**
     * {@code __free_pages(page, order)}: drops the caller's reference and frees the block only when it
     * was the last (put_page_testzero). A non-compound block whose first page someone else still holds
     * is split and its other pages freed; the first page goes when its last {@link #putPage} comes
     * (mm/page_alloc.c {@code ___free_pages}).
     *
     * @param cpu   the calling CPU
     * @param pfn   the block's first page
     * @param order the order it was allocated with
     */
    public void freePages(Cpu cpu, long pfn, int order) {
        cpu.charge(pageFreeNanos);
        if (pfn == PageAllocator.NO_PFN) {
            // __free_pages(NULL, order): put_page_testzero() reads the NULL page's refcount.
            int digits = arch.virtAddressBits() > 32 ? 16 : 8;
            List<String> report = List.of(String.format("BUG: kernel NULL pointer dereference, address: %0" + digits + "x", 0x34),
                    "__free_pages(NULL, " + order + "): the page of a failed alloc_pages", "Oops: 0000 [#1] SMP");
            for (String line : report) {
                log.printk(org.kmemu.api.LogLevel.EMERG, line);
            }
            throw new KernelBugException(report);
        }
        if (order < 0 || order > allocator.maxOrder()) {
            // The kernel has no check: free_pages_prepare() walks 2^order pages into its neighbours' and
            // finds them in use. kmemu reports the bad page without touching them.
            log.printk(cpu.id(), LogLevel.ERR, String.format("BUG: Bad page state in process %s  pfn:%05x",
                    cpu.current().comm(), pfn));
            log.printk(cpu.id(), LogLevel.ERR, String.format("page dumped because: __free_pages order %d > MAX_PAGE_ORDER %d",
                    order, allocator.maxOrder()));
            return;
        }
        if (!frames.pfnValid(pfn) || frames.refcount(pfn) == 0) {
            // No reference to drop: a double free, a pfn beyond RAM, a tail page. The kernel would take the
            // count below zero (or VM_BUG_ON with CONFIG_DEBUG_VM); the allocator's own check names the
            // misuse precisely, and frees a block it still holds (one freed before with a wrong order).
            freeToAllocator(cpu, pfn, order);
            return;
        }
        if (frames.isReserved(pfn) && frames.refcount(pfn) == 1) {
            // The last reference of a PG_reserved page: free_pages_prepare() → free_page_is_bad() →
            // page_bad_reason() (mm/page_alloc.c) checks the mapcount first, then the flags; PG_reserved is in
            // PAGE_FLAGS_CHECK_AT_FREE (include/linux/page-flags.h). bad_page() leaks the page; kmemu leaves
            // its count as it was (boot's reserved frames keep their implicit reference).
            badPage(cpu, pfn, frames.mapcount(pfn) != 0 ? "nonzero mapcount" : "PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
            return;
        }
        boolean head = (frames.flags(pfn) & PageFlags.PG_HEAD) != 0;
        int count = frames.refAdd(pfn, -1);
        if (count == 0) {
            freeThePage(cpu, pfn, order);
        } else if (!head && order > 0) {
            // ___free_pages(): the caller's part of a non-compound block goes now, the first page later.
            allocator.splitPage(pfn, order);
            for (long p = pfn + 1; p < pfn + (1L << order); p++) {
                freeThePage(cpu, p, 0);
            }
        }
    }

    /**
     * free_pages_prepare() then the allocator: a block whose last reference went. A page still mapped,
     * still in a mapping or with a PAGE_FLAGS_CHECK_AT_FREE flag is "Bad page state" and leaked, as the
     * kernel leaks it (mm/page_alloc.c free_page_is_bad, bad_page).
     */
    private void freeThePage(Cpu cpu, long pfn, int order) {
        for (long p = pfn; p < pfn + (1L << order); p++) {
            String reason = freePageBadReason(p);
            if (reason != null) {
                badPage(cpu, p, reason);
                return;
            }
        }
        frames.resetForFree(pfn, order);
        freeToAllocator(cpu, pfn, order);
    }

    /** @return page_bad_reason() for a page being freed (mm/page_alloc.c), or null if it is fine */
    private String freePageBadReason(long pfn) {
        int flags = frames.flags(pfn);
        if (frames.mapcount(pfn) != 0) {
            return "nonzero mapcount";
        }
        // free_pages_prepare(): "if (PageMappingFlags(page)) page->mapping = NULL;" an anonymous page's
        // anon_vma pointer goes with it; only a page-cache mapping left behind is bad.
        if ((flags & PageFlags.PG_SLAB) == 0 && frames.word(pfn) != 0
                && (frames.word(pfn) & MappingWord.PAGE_MAPPING_FLAGS) == 0) {
            return "non-NULL mapping";
        }
        if (frames.refcount(pfn) != 0) {
            return "nonzero _refcount";
        }
        if ((flags & PageFlags.PAGE_FLAGS_CHECK_AT_FREE) != 0) {
            return "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
        }
        return null;
    }

    private void freeToAllocator(Cpu cpu, long pfn, int order) {
        if (trace.active()) {
            Task current = cpu.current();
            trace.mmPageFree(cpu.id(), cpu.clockNanos(), current.comm(), current.pid(), structPage(pfn), pfn, order);
        }
        allocator.freePages(cpu.id(), pfn, order);
    }

    /** bad_page(): the report, then dump_page(); the page is left alone (leaked). */
    private void badPage(Cpu cpu, long pfn, String reason) {
        log.printk(cpu.id(), LogLevel.ERR, String.format("BUG: Bad page state in process %s  pfn:%05x",
                cpu.current().comm(), pfn));
        // The page is on its way to the allocator, not in it: its word is its mapping.
        int flags = frames.flags(pfn);
        for (String line : dumpPage(pfn, (flags & PageFlags.PG_SLAB) != 0 ? 0 : frames.word(pfn))) {
            log.printk(cpu.id(), LogLevel.WARNING, line);
        }
        log.printk(cpu.id(), LogLevel.WARNING, "page dumped because: " + reason);
    }

    /**
     * dump_page()'s first lines (mm/debug.c): the counts, the mapping and index, and the flags as %pGp
     * prints them.
     *
     * @param pfn a valid page
     * @return the lines, without "page dumped because"
     */
    public List<String> dumpPage(long pfn) {
        return dumpPage(pfn, mappingWordOf(pfn, frames.flags(pfn)));
    }

    private List<String> dumpPage(long pfn, long word) {
        int flags = frames.flags(pfn);
        int digits = arch.virtAddressBits() > 32 ? 16 : 8;
        String names = PageFlags.names(flags);
        return List.of(
                String.format("page: refcount:%d mapcount:%d mapping:%0" + digits + "x index:%#x pfn:%#x",
                        frames.refcount(pfn), frames.mapcount(pfn), MappingWord.mapping(word),
                        MappingWord.index(word), pfn),
                String.format("flags: %#x(%s%szone=%d)", flags, names, names.isEmpty() ? "" : "|",
                        PageFlags.zone(flags).ordinal()));
    }

    // ---- references and pins (include/linux/mm.h, page_ref.h; mm/gup.c) ----

    /**
     * @param pfn a valid page
     * @return {@code page_ref_count()}: references, pins counting {@link PageFrames#GUP_PIN_COUNTING_BIAS}
     */
    public int pageRefCount(long pfn) {
        checkValid(pfn);
        return frames.refcount(pfn);
    }

    /**
     * {@code get_page()}: one more reference to a page the caller already holds.
     *
     * @param cpu the calling CPU
     * @param pfn a page with a reference
     * @throws KernelBugException (VM_BUG_ON_FOLIO) if the page has no reference: it is free
     */
    public void getPage(Cpu cpu, long pfn) {
        checkValid(pfn);
        if (!frames.refAddUnlessZero(pfn, 1)) {
            // folio_get(): VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio), folio).
            throw pageBug(pfn, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio))", "folio_get");
        }
    }

    /**
     * {@code get_page_unless_zero()} / {@code folio_try_get()}: a reference to a page that may be on its
     * way to the allocator, as lockless lookups take one.
     *
     * @param pfn a valid page
     * @return whether a reference was taken (false: the page is free or being freed)
     */
    public boolean getPageUnlessZero(long pfn) {
        checkValid(pfn);
        return frames.refAddUnlessZero(pfn, 1);
    }

    /**
     * {@code put_page()} / {@code folio_put()}: drops a reference; the last one gives the page (a compound
     * block whole, at its order) back to the page allocator.
     *
     * @param cpu the calling CPU
     * @param pfn a page the caller holds a reference to
     * @throws KernelBugException (VM_BUG_ON_PAGE) if the count is already 0
     */
    public void putPage(Cpu cpu, long pfn) {
        checkValid(pfn);
        if (!frames.refAddUnlessZero(pfn, -1)) {
            // put_page_testzero(): VM_BUG_ON_PAGE(page_ref_count(page) == 0, page) (include/linux/mm.h).
            throw pageBug(pfn, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)", "put_page_testzero");
        }
        if (frames.refcount(pfn) == 0) {
            int flags = frames.flags(pfn);
            freeThePage(cpu, pfn, (flags & PageFlags.PG_HEAD) != 0 ? PageFlags.order(flags) : 0);
        }
    }

    /**
     * {@code try_grab_folio()} (mm/gup.c) for one page: FOLL_GET takes a reference, FOLL_PIN a pin. A pin
     * on a small page adds {@link PageFrames#GUP_PIN_COUNTING_BIAS} to its refcount; on a compound head it
     * adds 1 and counts the pin in the folio's {@code _pincount}, which kmemu keeps in the word of the
     * first tail page, where the kernel keeps it too.
     *
     * @param pfn a page
     * @param pin true for FOLL_PIN, false for FOLL_GET
     * @return false (the kernel's -ENOMEM) if the page has no reference, i.e. is free
     */
    public boolean tryGrabPage(long pfn, boolean pin) {
        checkValid(pfn);
        int flags = frames.flags(pfn);
        if (!pin) {
            return frames.refAddUnlessZero(pfn, 1);
        }
        if ((flags & PageFlags.PG_HEAD) == 0) {
            return frames.refAddUnlessZero(pfn, PageFrames.GUP_PIN_COUNTING_BIAS);
        }
        if (!frames.refAddUnlessZero(pfn, 1)) {
            return false;
        }
        frames.wordAdd(pfn + 1, 1);
        return true;
    }

    /**
     * {@code unpin_user_page()}: undoes one FOLL_PIN; the last reference frees the page.
     *
     * @param cpu the calling CPU
     * @param pfn a pinned page
     * @throws KernelBugException if the page is not pinned (the kernel's VM_BUG_ON / overflow)
     */
    public void unpinUserPage(Cpu cpu, long pfn) {
        checkValid(pfn);
        int flags = frames.flags(pfn);
        int drop;
        if ((flags & PageFlags.PG_HEAD) == 0) {
            if (frames.refcount(pfn) < PageFrames.GUP_PIN_COUNTING_BIAS) {
                // gup_put_folio() → folio_put_refs(): the count would go below the references still held.
                throw pageBug(pfn, "VM_BUG_ON_PAGE(page_ref_count(page) < GUP_PIN_COUNTING_BIAS)", "gup_put_folio");
            }
            drop = PageFrames.GUP_PIN_COUNTING_BIAS;
        } else {
            if (frames.word(pfn + 1) <= 0) {
                throw pageBug(pfn, "VM_BUG_ON_FOLIO(atomic_read(&folio->_pincount) <= 0)", "gup_put_folio");
            }
            frames.wordAdd(pfn + 1, -1);
            drop = 1;
        }
        if (frames.refAdd(pfn, -drop) == 0) {
            freeThePage(cpu, pfn, (flags & PageFlags.PG_HEAD) != 0 ? PageFlags.order(flags) : 0);
        }
    }

    /**
     * @param pfn a valid page
     * @return {@code folio_maybe_dma_pinned()}: a compound head with a pin, or a small page whose count
     *         reaches GUP_PIN_COUNTING_BIAS (which many references also do: "maybe")
     */
    public boolean pageMaybeDmaPinned(long pfn) {
        checkValid(pfn);
        if ((frames.flags(pfn) & PageFlags.PG_HEAD) != 0) {
            return frames.word(pfn + 1) > 0;
        }
        return frames.refcount(pfn) >= PageFrames.GUP_PIN_COUNTING_BIAS;
    }

    /** @param pfn a valid page @return {@code page_mapcount()}: the PTEs that map it */
    public int pageMapcount(long pfn) {
        checkValid(pfn);
        return frames.mapcount(pfn);
    }

    /** @param pfn a valid page @return {@code PageAnon()}: PAGE_MAPPING_ANON in the mapping's low bit */
    public boolean pageAnon(long pfn) {
        checkValid(pfn);
        return MappingWord.isAnon(mappingWordOf(pfn, frames.flags(pfn)));
    }

    /**
     * {@code SetPageReserved()} (include/linux/page-flags.h, PAGEFLAG(Reserved, reserved, PF_NO_COMPOUND)):
     * marks a page the memory manager must leave alone. Drivers set it on pages they map into user space
     * with remap_pfn_range (LDD3 ch. 15); freeing the page while it is still set is "Bad page state"
     * (PG_reserved is in PAGE_FLAGS_CHECK_AT_FREE).
     *
     * @param pfn any page with a struct page
     */
    public void setPageReserved(long pfn) {
        checkValid(pfn);
        frames.setFlags(pfn, pfn + 1, PageFlags.PG_RESERVED, true);
    }

    /**
     * {@code ClearPageReserved()}: the driver's release, before it frees the page.
     *
     * @param pfn any page with a struct page
     */
    public void clearPageReserved(long pfn) {
        checkValid(pfn);
        frames.setFlags(pfn, pfn + 1, PageFlags.PG_RESERVED, false);
    }

    /**
     * @param pfn any page with a struct page
     * @return {@code PageReserved()}
     */
    public boolean pageReserved(long pfn) {
        checkValid(pfn);
        return frames.isReserved(pfn);
    }

    /**
     * {@code set_page_dirty()} for a page without a filesystem's own hook: sets PG_dirty atomically.
     *
     * @param pfn a page the caller holds
     * @return true if this call dirtied it (it was clean)
     */
    public boolean setPageDirty(long pfn) {
        checkValid(pfn);
        return !frames.testAndSetFlag(pfn, PageFlags.PG_DIRTY);
    }

    /**
     * {@code trylock_page()}: takes PG_locked if it was clear.
     *
     * @param pfn a page the caller holds
     * @return whether the caller now holds the page lock
     */
    public boolean trylockPage(long pfn) {
        checkValid(pfn);
        return !frames.testAndSetFlag(pfn, PageFlags.PG_LOCKED);
    }

    /**
     * {@code unlock_page()}.
     *
     * @param pfn a page the caller locked
     * @throws KernelBugException (VM_BUG_ON_FOLIO) if it was not locked
     */
    public void unlockPage(long pfn) {
        checkValid(pfn);
        if (!frames.clearFlag(pfn, PageFlags.PG_LOCKED)) {
            throw pageBug(pfn, "VM_BUG_ON_FOLIO(!folio_test_locked(folio))", "folio_unlock");
        }
    }

    /**
     * Sets {@code page->mapping} and {@code page->index} ({@code folio_add_new_anon_rmap}'s
     * {@code __folio_set_anon}, or {@code filemap_add_folio} for the page cache).
     *
     * @param pfn   a page the caller holds
     * @param word  a {@link MappingWord}, 0 to clear
     */
    public void setPageMapping(long pfn, long word) {
        checkValid(pfn);
        if ((frames.flags(pfn) & PageFlags.PG_SLAB) != 0) {
            throw new IllegalArgumentException(String.format("pfn: %#x is a slab page (expected: no slab: its word is the slab's)", pfn));
        }
        frames.setWord(pfn, pfn + 1, word);
    }

    /** @param pfn a valid page @return its {@link MappingWord}, 0 for a page in no mapping */
    public long pageMappingWord(long pfn) {
        checkValid(pfn);
        return mappingWordOf(pfn, frames.flags(pfn));
    }

    /**
     * {@code page->mapping} and {@code page->index} as one word: 0 for a slab page (the word is the slab's
     * owner) and for a page free in the allocator (the word holds the allocator's list links, where the
     * kernel's free page has its {@code buddy_list}); a page with a reference is never free, so the
     * allocator is asked only about pages with none.
     */
    private long mappingWordOf(long pfn, int flags) {
        if ((flags & PageFlags.PG_SLAB) != 0) {
            return 0;
        }
        long word = frames.word(pfn);
        return word != 0 && frames.refcount(pfn) == 0 && allocator.isFreePage(pfn) ? 0 : word;
    }

    /**
     * Maps or unmaps the page in one more page-table entry (the mapcount half of
     * {@code folio_add_*_rmap_pte} / {@code folio_remove_rmap_pte}).
     *
     * @param pfn   a page the caller holds
     * @param delta +1 or -1
     * @return the mapcount after
     */
    public int pageAddMapcount(long pfn, int delta) {
        checkValid(pfn);
        int after = frames.mapcountAdd(pfn, delta);
        if (after < 0) {
            // An unmap of a page no PTE maps: __folio_remove_rmap's VM_BUG_ON_PAGE (mm/rmap.c, CONFIG_DEBUG_VM).
            frames.mapcountAdd(pfn, -delta);
            throw pageBug(pfn, "VM_BUG_ON_PAGE(page_mapcount(page) < 0)", "folio_remove_rmap_pte");
        }
        // NR_ANON_MAPPED (meminfo's AnonPages): an anonymous page counts from its first PTE to its last
        // (__folio_add_anon_rmap / __folio_remove_rmap, mm/rmap.c). Its mapping is set before it is mapped and
        // stays until it is freed, so the test sees it both ways.
        if ((delta > 0 && after == delta || delta < 0 && after == 0) && pageAnon(pfn)) {
            nrAnonMapped.add(delta > 0 ? 1 : -1);
        }
        return after;
    }

    /** @return {@code NR_ANON_MAPPED}: anonymous pages mapped by at least one PTE (/proc/meminfo AnonPages) */
    public long nrAnonMapped() {
        return nrAnonMapped.sum();
    }

    /** pfn_to_page()'s check: a pfn without a struct page is CONFIG_DEBUG_VIRTUAL's report. */
    private void checkValid(long pfn) {
        if (!frames.pfnValid(pfn)) {
            addr.pfnToPage(pfn);
        }
    }

    /** VM_BUG_ON_PAGE/VM_BUG_ON_FOLIO: dump_page with the condition, then BUG() (include/linux/mmdebug.h). */
    private KernelBugException pageBug(long pfn, String condition, String function) {
        return vmBugOnFolio(pfn, "include/linux/mm.h", function, condition);
    }

    /**
     * {@code VM_BUG_ON_FOLIO(cond, folio)} / {@code VM_BUG_ON_PAGE} (include/linux/mmdebug.h) for a
     * check of another kernel service: the page dump, "page dumped because:", the kernel BUG lines,
     * all in the kernel log at KERN_EMERG.
     *
     * @param pfn       the page
     * @param file      the kernel source file whose check failed (mm/filemap.c ...)
     * @param function  the function holding the check
     * @param condition the condition as the source writes it
     * @return the exception to throw: the report
     */
    public KernelBugException vmBugOnFolio(long pfn, String file, String function, String condition) {
        java.util.ArrayList<String> report = new java.util.ArrayList<>(dumpPage(pfn));
        report.add("page dumped because: " + condition);
        report.addAll(KernelOopsException.bugLines(file, function, condition));
        for (String line : report) {
            log.printk(org.kmemu.api.LogLevel.EMERG, line);
        }
        return new KernelBugException(report);
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
        return memmapVirt + pfn * arch.structPageBytes();
    }

    private KernelBugException bug(String file, String function, String condition, String why) {
        List<String> report = KernelOopsException.bugLines(file, function, condition + ": " + why);
        for (String line : report) {
            log.printk(org.kmemu.api.LogLevel.EMERG, line);
        }
        return new KernelBugException(report);
    }
}
