package org.kmemu.alloc.buddy;

import java.util.concurrent.atomic.AtomicLong;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;

/**
 * Reports a bad free the way mm/page_alloc.c {@code bad_page()} does, then {@code dump_page()}'s
 * reason line (mm/debug.c), and counts it. The free itself is ignored by the caller, so the buddy
 * state stays consistent (the kernel, too, keeps the page out of the allocator).
 *
 * <pre>
 * BUG: Bad page state in process swapper/0  pfn:01234
 * page dumped because: double free: page is already free (PageBuddy, order 0)
 * </pre>
 *
 * The kernel's own reasons ("nonzero _refcount", "PAGE_FLAGS_CHECK_AT_FREE flag(s) set") describe
 * struct page fields the emulator does not keep; the reasons here name the misuse precisely instead.
 * Not modelled: the 60-per-minute rate limit, the module list, the stack dump.
 *
 * <p>Thread-safe; runs only on the failure path.
 */
final class BadPageReport {
    private final KernelLog log;
    private final AtomicLong nrBadPages = new AtomicLong();

    BadPageReport(KernelLog log) {
        this.log = log;
    }

    /** @return how many bad frees have been reported */
    long nrBadPages() {
        return nrBadPages.get();
    }

    /** Prints the report for a free of {@code pfn} with this order that is not a valid head. */
    void badFree(int cpu, BuddyZone zone, long pfn, int order) {
        report(cpu, pfn, zone == null ? "pfn outside every zone" : reason(zone, (int) (pfn - zone.startPfn), order));
    }

    private void report(int cpu, long pfn, String reason) {
        nrBadPages.incrementAndGet();
        log.printk(cpu, LogLevel.ALERT, String.format("BUG: Bad page state in process %s  pfn:%05x",
                log.currentComm(cpu), pfn));
        log.printk(cpu, LogLevel.WARNING, "page dumped because: " + reason);
    }

    /** Works out what the freed page really is from the per-page state bytes. */
    static String reason(BuddyZone zone, int i, int order) {
        int s = zone.state[i];
        switch (PageState.kind(s)) {
            case PageState.FREE:
                return "double free: page is already free (PageBuddy, order " + PageState.order(s) + ")";
            case PageState.PCP:
                return "double free: page is already free (on a per-CPU list)";
            case PageState.ALLOCATED:
                return "freed with order " + order + " but allocated with order " + PageState.order(s);
            default:
                break;
        }
        long pfn = zone.startPfn + i;
        // The enclosing block, if any, has its head at pfn rounded down to some order: the first head
        // met going up either covers pfn or proves nothing does (blocks never overlap).
        for (int o = 1; o <= zone.maxOrder; o++) {
            long headPfn = pfn & -(1L << o);
            int h = zone.indexOf(headPfn);
            if (h < 0) {
                break;
            }
            int hs = zone.state[h];
            if (PageState.kind(hs) == PageState.NONE) {
                continue;
            }
            if (PageState.order(hs) < o) {
                break;
            }
            String head = String.format("order-%d block at pfn:%05x", PageState.order(hs), headPfn);
            if (PageState.kind(hs) == PageState.ALLOCATED) {
                return "tail page of the allocated " + head + " (expected: the block's head page)";
            }
            return "double free: page lies inside the free " + head;
        }
        return "page was never allocated (not handed out by the page allocator)";
    }
}
