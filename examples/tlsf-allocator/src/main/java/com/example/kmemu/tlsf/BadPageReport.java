package com.example.kmemu.tlsf;

import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;

/**
 * Reports a free the allocator must refuse, as mm/page_alloc.c {@code bad_page()} does, with
 * {@code dump_page()}'s reason line (mm/debug.c), and counts it:
 * <pre>
 * BUG: Bad page state in process swapper/0  pfn:01234
 * page dumped because: double free: page lies inside the free range of 12 pages at pfn:01230
 * </pre>
 * The kernel names struct page fields it found wrong; TLSF names what the page really is, read from
 * its boundary tags. Runs only on the failure path, so the O(distance) tag walk is fine here.
 */
final class BadPageReport {
    private final KernelLog log;
    private long nrBadPages;

    BadPageReport(KernelLog log) {
        this.log = log;
    }

    /** @return how many bad frees were reported */
    synchronized long nrBadPages() {
        return nrBadPages;
    }

    /**
     * @param cpu   the freeing CPU
     * @param zone  the zone pfn lies in, or null
     * @param pfn   the pfn passed to free
     * @param order the order passed to free
     */
    void badFree(int cpu, TlsfZone zone, long pfn, int order) {
        String reason;
        if (zone == null) {
            reason = "pfn outside every zone";
        } else {
            synchronized (zone.lock) {
                reason = reasonLocked(zone, (int) (pfn - zone.startPfn), order);
            }
        }
        synchronized (this) {
            nrBadPages++;
        }
        log.printk(cpu, LogLevel.ALERT, String.format("BUG: Bad page state in process %s  pfn:%05x",
                log.currentComm(cpu), pfn));
        log.printk(cpu, LogLevel.WARNING, "page dumped because: " + reason);
    }

    static String reasonLocked(TlsfZone zone, int i, int order) {
        int head = zone.enclosingTag(i);
        if (head < 0) {
            return "page was never allocated (not handed out by the page allocator)";
        }
        byte tag = zone.tags[head];
        long headPfn = zone.startPfn + head;
        if (PageTag.isFree(tag)) {
            return String.format("double free: page lies inside the free range of %d pages at pfn:%05x",
                    zone.rangeLength(head), headPfn);
        }
        if (head == i) {
            return "freed with order " + order + " but allocated with order " + PageTag.order(tag);
        }
        return String.format("tail page of the allocated order-%d block at pfn:%05x (expected: the block's head page)",
                PageTag.order(tag), headPfn);
    }
}
