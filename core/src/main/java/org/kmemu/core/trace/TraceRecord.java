package org.kmemu.core.trace;

/**
 * The binary record one tracepoint event leaves in a CPU's ring: {@link #WORDS} longs, primitives
 * only, turned into text only when the buffer is read (as ftrace keeps {@code struct trace_entry} plus
 * the event's TP_STRUCT__entry fields and runs TP_printk at read time, kernel/trace/trace_output.c).
 * Strings (the task's comm, call sites) are ids in the CPU's {@link TraceStrings}.
 *
 * <pre>
 * word  bits     field
 *  0    63..0    seq      machine-wide recording order: breaks ties between equal time stamps
 *  1    63..0    ts       emulated time stamp, ns
 *  2     7..0    event    {@link #MM_PAGE_ALLOC} .. {@link #LAST_EVENT}
 *  2    31..8    comm     string id of the task's comm
 *  2    63..32   pid
 *  3    63..0    arg0     mm_page_*: page (struct page address)   slab events: ptr
 *  4    63..0    arg1     mm_page_*: pfn                          kmalloc, kmem_cache_alloc: bytes_req
 *  5    63..0    arg2     mm_page_*: order                        kmalloc, kmem_cache_alloc: bytes_alloc
 *  6    31..0    gfp      gfp_flags (allocation events)
 *  6    63..32   aux      mm_page_alloc: migratetype              slab events: string id of call_site
 * </pre>
 *
 * The other events (the Linux ones of vmalloc.h, tlb.h and x86's exceptions.h, and kmemu's own):
 * <pre>
 * event                   arg0      arg1                                   arg2          gfp half       aux
 * alloc_vmap_area         addr      size (55..0) log2 align (62..56)      vstart        vend (the whole word 6)
 *                                   failed (63)
 * purge_vmap_area_lazy    start     end                                    npurged       -              -
 * free_vmap_area_noflush  va_start  nr_lazy                                nr_lazy_max   -              -
 * tlb_flush               pages     -                                      -             reason         -
 * page_fault_user/kernel  address   ip                                     error_code    -              -
 * kmap                    pfn       vaddr                                  -             kind           highmem
 * kunmap                  vaddr     -                                      -             kind           -
 * tlb_miss                address   -                                      -             access         levels (7..0), fault (8)
 * </pre>
 * alloc_vmap_area's size is page-aligned and below 2^56, its alignment a power of two (alloc_vmap_area
 * BUG()s otherwise, mm/vmalloc.c).
 *
 * mm_page_alloc_extfrag packs its small fields: arg2 holds alloc_order (bits 7..0), fallback_order
 * (15..8), pageblock_order (23..16) and change_ownership (bit 24); word 6 holds fallback_migratetype in
 * the gfp half and alloc_migratetype in aux.
 *
 * Worked example: kmalloc by init-1 (comm id 0) of 29 bytes from call site id 3, given 32 bytes at
 * ptr 0xc147dd20 with GFP_KERNEL (0xcc0) is {seq, ts, 0x0000000100000003, 0xc147dd20, 29, 32,
 * 0x0000000300000cc0}.
 */
final class TraceRecord {
    /** longs per record */
    static final int WORDS = 7;

    static final int SEQ = 0;
    static final int TS = 1;
    static final int HEADER = 2;
    static final int ARG0 = 3;
    static final int ARG1 = 4;
    static final int ARG2 = 5;
    static final int GFP_AUX = 6;

    /** include/trace/events/kmem.h: mm_page_alloc(page, order, gfp_flags, migratetype) */
    static final int MM_PAGE_ALLOC = 1;
    /** mm_page_free(page, order) */
    static final int MM_PAGE_FREE = 2;
    /** kmalloc(call_site, ptr, bytes_req, bytes_alloc, gfp_flags) */
    static final int KMALLOC = 3;
    /** kmem_cache_alloc, the same fields */
    static final int KMEM_CACHE_ALLOC = 4;
    /** kfree(call_site, ptr) */
    static final int KFREE = 5;
    /** kmem_cache_free, the same fields */
    static final int KMEM_CACHE_FREE = 6;
    /** mm_page_alloc_extfrag(page, alloc_order, fallback_order, alloc_migratetype, fallback_migratetype) */
    static final int MM_PAGE_ALLOC_EXTFRAG = 7;

    /** include/trace/events/vmalloc.h: alloc_vmap_area(addr, size, align, vstart, vend, failed) */
    static final int ALLOC_VMAP_AREA = 8;
    /** purge_vmap_area_lazy(start, end, npurged) */
    static final int PURGE_VMAP_AREA_LAZY = 9;
    /** free_vmap_area_noflush(va_start, nr_lazy, nr_lazy_max) */
    static final int FREE_VMAP_AREA_NOFLUSH = 10;
    /** include/trace/events/tlb.h: tlb_flush(reason, pages) */
    static final int TLB_FLUSH = 11;
    /** arch/x86/include/asm/trace/exceptions.h: page_fault_user(address, regs->ip, error_code) */
    static final int PAGE_FAULT_USER = 12;
    /** page_fault_kernel, the same fields */
    static final int PAGE_FAULT_KERNEL = 13;
    /** kmemu:kmap(pfn, vaddr, kind, highmem): not a Linux tracepoint */
    static final int KMAP = 14;
    /** kmemu:kunmap(vaddr, kind): not a Linux tracepoint */
    static final int KUNMAP = 15;
    /** kmemu:tlb_miss(address, access, levels, fault): not a Linux tracepoint */
    static final int TLB_MISS = 16;

    private static final String[] NAMES = {null, "mm_page_alloc", "mm_page_free", "kmalloc", "kmem_cache_alloc", "kfree",
        "kmem_cache_free",
        "mm_page_alloc_extfrag", "alloc_vmap_area", "purge_vmap_area_lazy", "free_vmap_area_noflush", "tlb_flush",
        "page_fault_user", "page_fault_kernel", "kmap", "kunmap", "tlb_miss"};

    /** The last event id. */
    static final int LAST_EVENT = TLB_MISS;

    /** The most strings a CPU's table may hold: comm ids have 24 bits. */
    static final int MAX_STRING_IDS = 1 << 24;

    private TraceRecord() {
    }

    /** @return word 2 for an event by a task */
    static long header(int event, int commId, int pid) {
        assert event > 0 && event <= LAST_EVENT && commId >= 0 && commId < MAX_STRING_IDS;
        return event | (long) commId << 8 | (long) pid << 32;
    }

    static int event(long header) {
        return (int) header & 0xff;
    }

    static int comm(long header) {
        return (int) (header >>> 8) & 0xff_ffff;
    }

    static int pid(long header) {
        return (int) (header >>> 32);
    }

    /** @return word 6 from the gfp flags and the auxiliary field */
    static long gfpAux(int gfp, int aux) {
        return gfp & 0xffff_ffffL | (long) aux << 32;
    }

    static int gfp(long gfpAux) {
        return (int) gfpAux;
    }

    static int aux(long gfpAux) {
        return (int) (gfpAux >>> 32);
    }

    /** @return arg2 of an mm_page_alloc_extfrag record */
    static long extfragOrders(int allocOrder, int fallbackOrder, int pageblockOrder, boolean changeOwnership) {
        assert allocOrder >= 0 && allocOrder < 256 && fallbackOrder >= 0 && fallbackOrder < 256
                && pageblockOrder >= 0 && pageblockOrder < 256;
        return allocOrder | fallbackOrder << 8 | pageblockOrder << 16 | (changeOwnership ? 1L << 24 : 0);
    }

    static int allocOrder(long orders) {
        return (int) orders & 0xff;
    }

    static int fallbackOrder(long orders) {
        return (int) (orders >>> 8) & 0xff;
    }

    static int pageblockOrder(long orders) {
        return (int) (orders >>> 16) & 0xff;
    }

    static boolean changeOwnership(long orders) {
        return (orders >>> 24 & 1) != 0;
    }

    private static final long VMAP_SIZE_MASK = (1L << 56) - 1;

    /** @return arg1 of an alloc_vmap_area record */
    static long vmapSizeAlign(long size, long align, boolean failed) {
        assert size >= 0 && size <= VMAP_SIZE_MASK && Long.bitCount(align) == 1 : size + " " + align;
        return size & VMAP_SIZE_MASK | (long) Long.numberOfTrailingZeros(align) << 56 | (failed ? 1L << 63 : 0);
    }

    static long vmapSize(long sizeAlign) {
        return sizeAlign & VMAP_SIZE_MASK;
    }

    static long vmapAlign(long sizeAlign) {
        return 1L << ((int) (sizeAlign >>> 56) & 0x3f);
    }

    static boolean vmapFailed(long sizeAlign) {
        return sizeAlign < 0;
    }

    /** @return word 6 of a tlb_miss record */
    static long missAux(int access, int levels, boolean fault) {
        assert levels >= 0 && levels < 256;
        return gfpAux(access, levels | (fault ? 1 << 8 : 0));
    }

    static int missLevels(long gfpAux) {
        return aux(gfpAux) & 0xff;
    }

    static boolean missFault(long gfpAux) {
        return (aux(gfpAux) & 0x100) != 0;
    }

    /** @return the tracepoint's name as the trace prints it */
    static String name(int event) {
        return NAMES[event];
    }
}
