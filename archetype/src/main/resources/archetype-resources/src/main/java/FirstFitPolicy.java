package ${package};

import java.util.List;
import org.kmemu.api.ConfigView;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.api.ZoneSpan;
import org.pf4j.Extension;

/**
 * The "${pluginId}" page-allocator policy: a first-fit allocator over the machine's zones, for
 * comparing with the kernel's binary buddy allocator (mm/page_alloc.c). A machine selects it with
 * {@code kmemu.machine.page-allocator = ${pluginId}}; its settings live under
 * {@code kmemu.page-allocator.${pluginId}} (see reference.conf).
 *
 * <p>PF4J finds this class through META-INF/extensions.idx, which its annotation processor writes
 * for every {@code @Extension} at compile time, and creates it with the public no-argument
 * constructor: keep that constructor, and keep it free of work.
 */
@Extension
public final class FirstFitPolicy implements PageAllocatorPolicy {

    /** The id a machine's config selects this policy by. */
    public static final String ID = "${pluginId}";

    /** The largest max-order accepted: MAX_PAGE_ORDER stays well below this in every Kconfig. */
    static final int MAX_MAX_ORDER = 15;

    /** Called by PF4J; does no work. */
    public FirstFitPolicy() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "first-fit page allocator: the lowest naturally aligned run of free frames, "
                + "no per-CPU lists, no watermarks";
    }

    /**
     * Reads and checks the config, then builds empty zones; boot hands them their RAM.
     *
     * @param context the machine's zones, config and log
     * @return a new allocator with no free memory yet
     * @throws org.kmemu.api.ConfigException for a max-order outside 0 to 15
     * @throws IllegalArgumentException for a zone of 2^31 frames or more
     */
    @Override
    public PageAllocator create(PageAllocatorContext context) {
        ConfigView config = context.config();
        int maxOrder = config.getInt("max-order");
        if (maxOrder < 0 || maxOrder > MAX_MAX_ORDER) {
            throw config.error("max-order", maxOrder + " (expected: 0 to " + MAX_MAX_ORDER + ")");
        }
        List<ZoneSpan> zones = context.zones();
        for (ZoneSpan span : zones) {
            // The zone's frames index Java arrays.
            if (span.spannedPages() < 1 || span.spannedPages() > FirstFitZone.MAX_ZONE_PAGES) {
                throw new IllegalArgumentException("spannedPages: " + span.spannedPages() + " of zone "
                        + span.type().kernelName() + " (expected: 1 to " + FirstFitZone.MAX_ZONE_PAGES + ")");
            }
        }
        return new FirstFitAllocator(context, maxOrder);
    }
}
