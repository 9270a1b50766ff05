package org.kmemu.core.experiment.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.kmemu.core.experiment.RunStats;

/**
 * An experiment's {@code report.html}: one self-contained page (the chart library inlined, works
 * offline) comparing the runs.
 *
 * <p>The page, top to bottom: the header (title, runs, varied keys, failed runs with their errors), the
 * comparison table (HTML, sortable by its script), then the charts, drawn by the page's script
 * ({@code report.js}) from one JSON object ({@link ReportData}): footprint over workload time, internal
 * fragmentation per run, waste by call site, the unusable free space and extfrag indexes per order of the
 * largest zone at the end, one chart of the size histograms per run (log2 buckets of bytes_req, bytes_alloc and
 * vmalloc sizes), and buddyinfo (free blocks per zone and order at the end) as one heat map per run.
 *
 * <p>For tests and for a reader: the {@code <html>} element carries {@code data-charts-expected} (the chart
 * containers written here) and, once every chart has finished rendering, {@code data-charts-rendered}; every
 * script error and console.error is shown in {@code <pre id="report-errors">}.
 */
public final class HtmlReport {
    /** The file's name in the experiment's folder. */
    public static final String FILE = "report.html";

    private static final String RESOURCES = "/org/kmemu/core/experiment/report/";

    private HtmlReport() {
    }

    /**
     * Writes {@code dir/report.html}.
     *
     * @param dir        the experiment's output folder
     * @param title      the experiment's name
     * @param variedKeys the keys the experiment varies, in its order (the table's first columns)
     * @param runs       every run's statistics, in run order (failed runs included)
     * @throws IOException when the file cannot be written
     */
    public static void write(Path dir, String title, List<String> variedKeys, List<RunStats> runs) throws IOException {
        Files.writeString(dir.resolve(FILE), html(title, variedKeys, runs), StandardCharsets.UTF_8);
    }

    /**
     * @param title      the experiment's name
     * @param variedKeys the varied keys
     * @param runs       every run's statistics
     * @return the page
     */
    static String html(String title, List<String> variedKeys, List<RunStats> runs) {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(variedKeys, "variedKeys");
        Objects.requireNonNull(runs, "runs");
        ReportData data = ReportData.of(title, variedKeys, runs);
        Charts charts = new Charts();
        chartContainers(data, charts);

        StringBuilder html = new StringBuilder(1 << 21);
        html.append("<!DOCTYPE html>\n<html lang=\"en\" data-charts-expected=\"").append(charts.count).append("\">\n")
                .append("<head>\n<meta charset=\"utf-8\">\n<title>").append(Html.escape(title))
                .append(" \u2014 kmemu experiment</title>\n<style>\n").append(resource("report.css"))
                .append("</style>\n")
                // First, before the library: errors anywhere later must reach the page.
                .append("<script>\n").append(resource("report-errors.js")).append("</script>\n</head>\n<body>\n");
        header(html, title, variedKeys, runs);
        html.append("<section>\n<h2>Runs</h2>\n");
        ComparisonTable.write(html, variedKeys, runs);
        html.append("</section>\n");
        html.append(charts.html);
        html.append("<script type=\"application/json\" id=\"report-data\">").append(data.toJson()).append("</script>\n")
                .append("<script>\n").append(ChartLibrary.javaScript()).append("\n</script>\n")
                .append("<script>\n").append(resource("report.js")).append("</script>\n")
                .append("</body>\n</html>\n");
        return html.toString();
    }

    private static void header(StringBuilder html, String title, List<String> variedKeys, List<RunStats> runs) {
        List<RunStats> failed = runs.stream().filter(r -> !"ok".equals(r.status())).toList();
        html.append("<header>\n<h1>").append(Html.escape(title)).append("</h1>\n<p>")
                .append(runs.size()).append(runs.size() == 1 ? " run" : " runs");
        if (!failed.isEmpty()) {
            html.append(" (").append(runs.size() - failed.size()).append(" ok, ")
                    .append("<span class=\"failed\">").append(failed.size()).append(" failed</span>)");
        }
        html.append(" \u00b7 varied: ");
        if (variedKeys.isEmpty()) {
            html.append("nothing");
        }
        for (int i = 0; i < variedKeys.size(); i++) {
            html.append(i == 0 ? "" : ", ").append("<code>").append(Html.escape(variedKeys.get(i))).append("</code>");
        }
        html.append(" \u00b7 charts by ECharts ").append(Html.escape(ChartLibrary.version())).append("</p>\n")
                .append("<pre id=\"report-errors\" hidden></pre>\n");
        if (!failed.isEmpty()) {
            html.append("<section id=\"failed-runs\">\n<h2>Failed runs</h2>\n<ul>\n");
            for (RunStats run : failed) {
                html.append("<li><b>").append(Html.escape(run.name())).append("</b> ")
                        .append(Html.escape(point(variedKeys, run))).append(": <code>")
                        .append(Html.escape(run.error())).append("</code></li>\n");
            }
            html.append("</ul>\n</section>\n");
        }
        html.append("</header>\n");
    }

    private static String point(List<String> variedKeys, RunStats run) {
        StringBuilder out = new StringBuilder();
        for (String key : variedKeys) {
            out.append(out.length() == 0 ? "" : ", ").append(key).append('=')
                    .append(run.point() == null ? null : run.point().get(key));
        }
        return out.toString();
    }

    /**
     * The chart containers, in page order, each in its section with a note on what it shows; report.js draws
     * each by its {@code data-chart} kind. A buddyinfo map for each run whose last sample has zones (a run
     * that failed before sampling has none).
     */
    private static void chartContainers(ReportData data, Charts out) {
        out.section("Footprint over workload time",
                "Pages in use, all zones (managed minus free), at each sample; x is events done.",
                out.chart("footprint", "wide", -1));
        out.section("Internal fragmentation per run",
                "1 \u2212 bytes requested / bytes allocated, over kmalloc and kmem_cache_alloc.",
                out.chart("internal-fragmentation", "wide", -1));
        out.section("Waste by call site",
                "Bytes given minus bytes asked, for the experiment's " + ReportData.TOP_CALL_SITES
                        + " call sites with the most waste; per object allocator policy (mean over its runs) when"
                        + " the runs differ in policy, else per run.",
                out.chart("call-site-waste", "wide tall", -1));
        out.section("Unusable free space index at the end",
                "Per order, for each run's largest zone (extfrag/unusable_index): the fraction of free memory"
                        + " unusable for an allocation of that order.",
                out.chart("unusable-index", "wide", -1));
        out.section("Fragmentation index at the end",
                "Per order, for each run's largest zone (extfrag/extfrag_index): towards 0 a failure would be for"
                        + " lack of memory, towards 1 for fragmentation. -1 where the kernel prints -1.000: a block"
                        + " of that order is free, so an allocation of that order would not fail.",
                out.chart("extfrag-index", "wide", -1));
        StringBuilder sizes = new StringBuilder();
        for (int i = 0; i < data.runs().size(); i++) {
            if (data.runs().get(i).kernelEvents() != null) {
                sizes.append(out.chart("size-histograms", "map", i));
            }
        }
        if (sizes.length() > 0) {
            out.section("Size histograms",
                    "One chart per run: kmalloc and kmem_cache_alloc bytes requested and given, and vmalloc area"
                            + " sizes, in log2 buckets as ftrace's hist triggers key them (hist:keys=bytes_req.log2):"
                            + " bucket 2^b holds sizes above 2^(b-1) up to 2^b.",
                    "<div class=\"maps\">\n" + sizes + "</div>\n");
        }
        StringBuilder maps = new StringBuilder();
        for (int i = 0; i < data.runs().size(); i++) {
            List<RunStats.Sample> samples = data.runs().get(i).samples();
            List<RunStats.ZoneSample> zones = samples == null || samples.isEmpty() ? null
                    : samples.get(samples.size() - 1).zones();
            if (zones != null && !zones.isEmpty()) {
                maps.append(out.chart("buddyinfo", "map", i));
            }
        }
        if (maps.length() > 0) {
            out.section("Free blocks per zone and order at the end (/proc/buddyinfo)",
                    "One map per run: each cell is a zone's free blocks of that order; colour on a log scale.",
                    "<div class=\"maps\">\n" + maps + "</div>\n");
        }
    }

    /** The charts' sections as they are written, and how many chart containers they hold. */
    private static final class Charts {
        final StringBuilder html = new StringBuilder();
        int count;

        void section(String title, String note, String body) {
            html.append("<section>\n<h2>").append(Html.escape(title)).append("</h2>\n<p class=\"note\">")
                    .append(Html.escape(note)).append("</p>\n").append(body).append("</section>\n");
        }

        /** @return a container for report.js's {@code kind} of chart; {@code run} indexes the data's runs, or -1 */
        String chart(String kind, String cssClass, int run) {
            count++;
            String id = run < 0 ? "chart-" + kind : "chart-" + kind + "-" + run;
            return "<div class=\"chart " + cssClass + "\" id=\"" + id + "\" data-chart=\"" + kind + "\""
                    + (run < 0 ? "" : " data-run=\"" + run + "\"") + "></div>\n";
        }
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCES + name + ": not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(RESOURCES + name + ": " + e.getMessage(), e);
        }
    }
}
