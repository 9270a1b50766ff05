package org.kmemu.alloc.buddy;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.api.ZoneSpan;
import org.pf4j.Extension;

/**
 * The "buddy" page-allocator policy: Linux's zoned binary buddy allocator (mm/page_alloc.c, 6.x) with
 * migrate types and pageblock stealing, watermarks and lowmem reserves, and per-CPU order-0 lists.
 * Its settings live under {@code kmemu.page-allocator.buddy} (see this plugin's reference.conf).
 */
@Extension
public final class BuddyPolicy implements PageAllocatorPolicy {

    /** Called by PF4J; does no work. */
    public BuddyPolicy() {
    }

    /** @return {@code "buddy"} */
    @Override
    public String id() {
        return "buddy";
    }

    /** @return a one-line description */
    @Override
    public String description() {
        return "binary buddy allocator of mm/page_alloc.c: free lists per order and migrate type, "
                + "pageblock stealing, watermarks, lowmem_reserve, per-CPU lists";
    }

    /**
     * Reads and validates the config, then builds the zones' free areas (empty until boot frees RAM).
     *
     * @param context the machine's zones, config and log
     * @return a new allocator
     * @throws org.kmemu.api.ConfigException for a bad setting
     * @throws IllegalArgumentException for a zone of 2^31 pages or more, a page shift below 10,
     *                                  or no CPU
     */
    @Override
    public PageAllocator create(PageAllocatorContext context) {
        BuddyOptions options = BuddyOptions.read(context.config());
        if (context.pageShift() < 10) {
            throw new IllegalArgumentException("pageShift: " + context.pageShift() + " (expected: at least 10)");
        }
        if (context.cpus() < 1) {
            throw new IllegalArgumentException("cpus: " + context.cpus() + " (expected: at least 1)");
        }
        for (ZoneSpan span : context.zones()) {
            // Zone-relative pfns index Java arrays: a zone must span fewer than 2^31 pages.
            if (span.spannedPages() < 1 || span.spannedPages() > BuddyZone.MAX_ZONE_PAGES) {
                throw new IllegalArgumentException("spannedPages: " + span.spannedPages() + " of zone "
                        + span.type().kernelName() + " (expected: 1 to " + BuddyZone.MAX_ZONE_PAGES + ")");
            }
        }
        return new BuddyAllocator(context, options);
    }
}
