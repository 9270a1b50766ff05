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
 *  2     7..0    event    {@link #MM_PAGE_ALLOC} .. {@link #KMEM_CACHE_FREE}
 *  2    31..8    comm     string id of the task's comm
 *  2    63..32   pid
 *  3    63..0    arg0     mm_page_*: page (struct page address)   slab events: ptr
 *  4    63..0    arg1     mm_page_*: pfn                          kmalloc, kmem_cache_alloc: bytes_req
 *  5    63..0    arg2     mm_page_*: order                        kmalloc, kmem_cache_alloc: bytes_alloc
 *  6    31..0    gfp      gfp_flags (allocation events)
 *  6    63..32   aux      mm_page_alloc: migratetype              slab events: string id of call_site
 * </pre>
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

    private static final String[] NAMES = {null, "mm_page_alloc", "mm_page_free", "kmalloc", "kmem_cache_alloc", "kfree",
        "kmem_cache_free",
        "mm_page_alloc_extfrag"};

    /** The most strings a CPU's table may hold: comm ids have 24 bits. */
    static final int MAX_STRING_IDS = 1 << 24;

    private TraceRecord() {
    }

    /** @return word 2 for an event by a task */
    static long header(int event, int commId, int pid) {
        assert event > 0 && event < NAMES.length && commId >= 0 && commId < MAX_STRING_IDS;
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

    /** @return the tracepoint's name as the trace prints it */
    static String name(int event) {
        return NAMES[event];
    }
}
