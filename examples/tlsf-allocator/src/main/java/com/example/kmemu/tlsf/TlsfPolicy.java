package com.example.kmemu.tlsf;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.api.ZoneSpan;
import org.pf4j.Extension;

/**
 * The "tlsf" page-allocator policy: each zone's page frames managed by Two-Level Segregated Fit
 * (M. Masmano, I. Ripoll, A. Crespo, J. Real, "TLSF: a New Dynamic Memory Allocator for Real-Time
 * Systems", Euromicro Conference on Real-Time Systems, 2004), with the zone watermarks and fallback
 * every Linux page allocator keeps. An example of a third-party policy, written for teaching: read
 * {@link TlsfAllocator} for how it differs from the buddy allocator, {@link TlsfMapping} and
 * {@link TlsfZone} for the algorithm. Select it with {@code kmemu.machine.page-allocator = tlsf};
 * its settings live under {@code kmemu.page-allocator.tlsf} (this plugin's reference.conf).
 */
@Extension
public final class TlsfPolicy implements PageAllocatorPolicy {

    /** Called by PF4J; does no work. */
    public TlsfPolicy() {
    }

    /** @return {@code "tlsf"} */
    @Override
    public String id() {
        return "tlsf";
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "example: Two-Level Segregated Fit (Masmano et al. 2004) over page frames: O(1) good fit, "
                + "immediate coalescing, aligned orders, kernel watermarks and zone fallback";
    }

    /**
     * Reads and validates the settings, then builds each zone's empty TLSF heap.
     *
     * @param context the machine's zones, config and log
     * @return a new allocator; boot then frees RAM into it
     * @throws org.kmemu.api.ConfigException for a bad setting
     * @throws IllegalArgumentException for a zone of 2^31 pages or more, a page shift below 10, or no CPU
     */
    @Override
    public PageAllocator create(PageAllocatorContext context) {
        TlsfOptions options = TlsfOptions.read(context.config());
        if (context.pageShift() < 10) {
            throw new IllegalArgumentException("pageShift: " + context.pageShift() + " (expected: at least 10)");
        }
        if (context.cpus() < 1) {
            throw new IllegalArgumentException("cpus: " + context.cpus() + " (expected: at least 1)");
        }
        for (ZoneSpan span : context.zones()) {
            if (span.spannedPages() < 1 || span.spannedPages() > TlsfZone.MAX_ZONE_PAGES) {
                throw new IllegalArgumentException("spannedPages: " + span.spannedPages() + " of zone "
                        + span.type().kernelName() + " (expected: 1 to " + TlsfZone.MAX_ZONE_PAGES + ")");
            }
        }
        return new TlsfAllocator(context, options);
    }
}
