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
 * largest zone at the end, and buddyinfo (free blocks per zone and order at the end) as one heat map per run.
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
        StringBuilder charts = new StringBuilder();
        int expected = chartContainers(data, charts);

        StringBuilder html = new StringBuilder(1 << 21);
        html.append("<!DOCTYPE html>\n<html lang=\"en\" data-charts-expected=\"").append(expected).append("\">\n")
                .append("<head>\n<meta charset=\"utf-8\">\n<title>").append(Html.escape(title))
                .append(" \u2014 kmemu experiment</title>\n<style>\n").append(resource("report.css"))
                .append("</style>\n")
                // First, before the library: errors anywhere later must reach the page.
                .append("<script>\n").append(resource("report-errors.js")).append("</script>\n</head>\n<body>\n");
        header(html, title, variedKeys, runs);
        html.append("<section>\n<h2>Runs</h2>\n");
        ComparisonTable.write(html, variedKeys, runs);
        html.append("</section>\n");
        html.append(charts);
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
                        .append(Html.escape(String.valueOf(run.point()))).append(": <code>")
                        .append(Html.escape(run.error())).append("</code></li>\n");
            }
            html.append("</ul>\n</section>\n");
        }
        html.append("</header>\n");
    }

    /**
     * Appends the chart containers, in page order, and returns how many; report.js draws each by its {@code data-chart} kind. A buddyinfo map
     * for each run whose last sample has zones (a run that failed before sampling has none).
     */
    private static int chartContainers(ReportData data, StringBuilder out) {
        out.append(section("Footprint over workload time",
                "Pages in use, all zones (managed minus free), at each sample; x is events done.",
                chart("footprint", "wide", -1)));
        out.append(section("Internal fragmentation per run",
                "1 \u2212 bytes requested / bytes allocated, over kmalloc and kmem_cache_alloc.",
                chart("internal-fragmentation", "wide", -1)));
        out.append(section("Waste by call site",
                "Bytes given minus bytes asked, for the experiment's " + ReportData.TOP_CALL_SITES
                        + " call sites with the most waste; per object allocator policy (mean over its runs) when"
                        + " the runs differ in policy, else per run.",
                chart("call-site-waste", "wide tall", -1)));
        out.append(section("Unusable free space index at the end",
                "Per order, for each run's largest zone (extfrag/unusable_index): the fraction of free memory"
                        + " unusable for an allocation of that order.",
                chart("unusable-index", "wide", -1)));
        out.append(section("Fragmentation index at the end",
                "Per order, for each run's largest zone (extfrag/extfrag_index): towards 0 a failure would be for"
                        + " lack of memory, towards 1 for fragmentation. Orders the kernel prints as -1.000 (a block"
                        + " of that order is free) are left blank.",
                chart("extfrag-index", "wide", -1)));
        StringBuilder maps = new StringBuilder();
        int count = 0;
        for (int i = 0; i < data.runs().size(); i++) {
            List<RunStats.Sample> samples = data.runs().get(i).samples();
            if (samples != null && !samples.isEmpty() && !samples.get(samples.size() - 1).zones().isEmpty()) {
                maps.append(chart("buddyinfo", "map", i));
                count++;
            }
        }
        if (count > 0) {
            out.append(section("Free blocks per zone and order at the end (/proc/buddyinfo)",
                    "One map per run: each cell is a zone's free blocks of that order; colour on a log scale.",
                    "<div class=\"maps\">\n" + maps + "</div>\n"));
        }
        return 5 + count;
    }

    private static String section(String title, String note, String body) {
        return "<section>\n<h2>" + Html.escape(title) + "</h2>\n<p class=\"note\">" + Html.escape(note) + "</p>\n"
                + body + "</section>\n";
    }

    private static String chart(String kind, String cssClass, int run) {
        String id = run < 0 ? "chart-" + kind : "chart-" + kind + "-" + run;
        return "<div class=\"chart " + cssClass + "\" id=\"" + id + "\" data-chart=\"" + kind + "\""
                + (run < 0 ? "" : " data-run=\"" + run + "\"") + "></div>\n";
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
