package org.kmemu.core.experiment.report;

import java.util.List;
import java.util.Locale;
import org.kmemu.core.experiment.RunStats;

/**
 * The report's table: one row per run, its varied values first, then the totals a researcher compares
 * (stats.json's names, in kernel units). Written as HTML, so it reads without the script; each numeric cell
 * carries its raw value in {@code data-v} for the script's column sort.
 */
final class ComparisonTable {
    /** The columns after status, one per measure of {@link RunStats.Totals} the table shows. */
    private static final int TOTALS_COLUMNS = 14;

    private ComparisonTable() {
    }

    static void write(StringBuilder html, List<String> variedKeys, List<RunStats> runs) {
        html.append("<table id=\"runs\" class=\"sortable\">\n<thead><tr>");
        header(html, "run", "the run's folder");
        for (String key : variedKeys) {
            header(html, key, "varied key");
        }
        header(html, "repeat", null);
        header(html, "seed", "the workload's seed");
        header(html, "status", null);
        header(html, "bytes requested", "what kmalloc and kmem_cache_alloc callers asked for");
        header(html, "bytes allocated", "what they were given");
        header(html, "internal frag. %", "1 - requested / allocated");
        header(html, "slab pages", "pages the object allocator holds at the end");
        header(html, "slab waste bytes", "bytes of slab pages not holding a live object's requested bytes");
        header(html, "peak footprint pages", "most pages in use, all zones");
        header(html, "final footprint pages", "pages in use at the end");
        header(html, "alloc failures", "object allocations that failed");
        header(html, "page alloc failures", "page allocations that failed");
        header(html, "fallbacks", "page allocations served from another migratetype's free lists (mm_page_alloc_extfrag)");
        header(html, "fragmenting fallbacks", "fallbacks that took a block smaller than a pageblock, mixing its types");
        header(html, "TLB hit rate %", "hits / (hits + misses)");
        header(html, "page walks", null);
        header(html, "events/s", "events / wall-clock second (not reproducible)");
        html.append("</tr></thead>\n<tbody>\n");
        for (RunStats run : runs) {
            row(html, variedKeys, run);
        }
        html.append("</tbody>\n</table>\n");
    }

    private static void row(StringBuilder html, List<String> variedKeys, RunStats run) {
        boolean failed = !"ok".equals(run.status());
        html.append(failed ? "<tr class=\"failed\">" : "<tr>");
        text(html, run.name());
        for (String key : variedKeys) {
            text(html, run.point() == null ? null : run.point().get(key));
        }
        number(html, run.repeat(), Integer.toString(run.repeat()));
        number(html, run.seed(), Long.toString(run.seed()));
        if (failed) {
            html.append("<td class=\"status\" title=\"").append(Html.escape(run.error())).append("\">")
                    .append(Html.escape(run.status())).append("</td>");
        } else {
            text(html, run.status());
        }
        RunStats.Totals t = run.totals();
        if (t == null) {
            html.append("<td colspan=\"").append(TOTALS_COLUMNS).append("\" class=\"none\">no totals</td></tr>\n");
            return;
        }
        count(html, t.bytesRequested());
        count(html, t.bytesAllocated());
        percent(html, t.internalFragmentation());
        count(html, t.slabPages());
        count(html, t.slabWasteBytes());
        count(html, t.peakFootprintPages());
        count(html, t.finalFootprintPages());
        count(html, t.allocFailures());
        count(html, t.pageAllocFailures());
        counted(html, t.fallbacks());
        counted(html, t.fragmentingFallbacks());
        percent(html, t.tlbHitRate());
        count(html, t.pageWalks());
        number(html, t.eventsPerSecond(), String.format(Locale.ROOT, "%,.0f", t.eventsPerSecond()));
        html.append("</tr>\n");
    }

    private static void header(StringBuilder html, String name, String title) {
        html.append("<th");
        if (title != null) {
            html.append(" title=\"").append(Html.escape(title)).append('"');
        }
        html.append('>').append(Html.escape(name)).append("</th>");
    }

    private static void text(StringBuilder html, String value) {
        html.append("<td>").append(Html.escape(value)).append("</td>");
    }

    private static void count(StringBuilder html, long value) {
        number(html, value, String.format(Locale.ROOT, "%,d", value));
    }

    /** A count that may not have been counted (-1 in stats.json): shown as n/a, with no value to sort by. */
    private static void counted(StringBuilder html, long value) {
        if (value < 0) {
            html.append("<td class=\"none\" title=\"not counted\">n/a</td>");
        } else {
            count(html, value);
        }
    }

    private static void percent(StringBuilder html, double fraction) {
        number(html, fraction, String.format(Locale.ROOT, "%.2f", fraction * 100));
    }

    private static void number(StringBuilder html, double raw, String shown) {
        html.append("<td class=\"num\" data-v=\"").append(raw).append("\">").append(shown).append("</td>");
    }
}
