package org.kmemu.core.machine;

import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;

/**
 * One configured zone as {@code free_area_init()} sets it up: the pfn range the architecture's limits
 * give it ({@code arch_zone_lowest/highest_possible_pfn}, printed under "Zone ranges:") and, when RAM
 * lies in it, its span and page counts.
 *
 * @param type     the zone type
 * @param startPfn first pfn of the zone's range
 * @param endPfn   one past the last pfn of the range; equal to start for an empty zone
 * @param span     the populated span, or null when no RAM lies in the range
 */
public record ZoneRange(ZoneType type, long startPfn, long endPfn, ZoneSpan span) {

    /** @return whether the zone has present pages (populated_zone) */
    public boolean populated() {
        return span != null && span.presentPages() > 0;
    }
}
