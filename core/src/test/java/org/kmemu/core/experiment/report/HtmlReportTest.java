package org.kmemu.core.experiment.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.core.experiment.RunStats;
import org.kmemu.core.experiment.StatsJson;

/** report.html without a browser: what it holds, its data, its escaping and its size. */
class HtmlReportTest {
    private static final Pattern DATA =
            Pattern.compile("<script type=\"application/json\" id=\"report-data\">(.*?)</script>", Pattern.DOTALL);

    @TempDir
    Path dir;

    @Test
    void thePageIsSelfContained() throws Exception {
        HtmlReport.write(dir, "policies", ReportFixtures.variedKeys(), ReportFixtures.runs(3, 1, 20, 0));
        String html = Files.readString(dir.resolve(HtmlReport.FILE));

        assertThat(html).startsWith("<!DOCTYPE html>").contains(ChartLibrary.javaScript());
        assertThat(ChartLibrary.javaScript()).hasSizeGreaterThan(500_000).contains("echarts");
        assertThat(ChartLibrary.version()).isEqualTo("5.3.1");
        // Nothing is fetched: no external script, style sheet or image.
        String outsideScripts = html.replaceAll("(?s)<script[^>]*>.*?</script>", "");
        assertThat(outsideScripts).doesNotContainPattern("(?i)<(script|img|iframe|link)[^>]*(src|href)=")
                .doesNotContain("url(");
        // Four script elements (error catcher, data, library, the page's script), so four ends.
        assertThat(count(html, "</script>")).isEqualTo(4);
    }

    @Test
    void theDataParsesBackToTheRuns() throws Exception {
        List<RunStats> runs = ReportFixtures.runs(6, 2, 40, 1);
        ReportData data = ReportData.fromJson(data(HtmlReport.html("sweep", ReportFixtures.variedKeys(), runs)));

        assertThat(data.title()).isEqualTo("sweep");
        assertThat(data.variedKeys()).isEqualTo(ReportFixtures.variedKeys());
        assertThat(data.labels()).hasSize(12).startsWith("policy=slub, cpus=1 #0", "policy=slub, cpus=1 #1")
                .contains("policy=slob, cpus=2 #1");
        assertThat(data.runs()).hasSize(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            RunStats in = runs.get(i);
            RunStats out = data.runs().get(i);
            // 19 call sites and 40 samples are under the page's limits: the run comes back whole, except the
            // zones of the samples between the first and the last, which no chart draws.
            assertThat(StatsJson.toJson(out)).isEqualTo(StatsJson.toJson(withoutMiddleZones(in)));
        }
        assertThat(data.runs().get(11).totals()).isNull();
        assertThat(data.runs().get(0).samples().get(39).zones()).hasSize(3);
        assertThat(data.runs().get(0).samples().get(39).zones().get(2).freeBlocks()).hasSize(ReportFixtures.ORDERS);
    }

    @Test
    void longRunsAreThinnedKeepingTheirEnds() {
        List<RunStats.Sample> samples = ReportFixtures.runs(1, 1, 1_000, 0).get(0).samples();
        List<RunStats.Sample> kept = ReportData.samples(samples);

        assertThat(kept).hasSize(ReportData.MAX_SAMPLES);
        assertThat(kept.get(0)).isSameAs(samples.get(0));
        assertThat(kept.get(kept.size() - 1)).isSameAs(samples.get(999));
        assertThat(kept).extracting(RunStats.Sample::events).isSorted().doesNotHaveDuplicates();
        assertThat(kept.get(150).zones()).isEmpty();
        // Evenly spaced: the middle kept sample is the middle of the run.
        assertThat(kept.get(150).events()).isBetween(samples.get(495).events(), samples.get(505).events());
    }

    @Test
    void callSitesKeepEveryRunsTopOnesAndTheExperimentsTopOnes() {
        List<RunStats> runs = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            List<RunStats.CallSite> sites = new ArrayList<>();
            for (int c = 0; c < 100; c++) {
                // Run 0 wastes most at site-0..; run 1 wastes most at site-99.., run 0's tail, and more in all.
                long waste = r == 0 ? 1_000 - c : (long) c * c;
                sites.add(new RunStats.CallSite("site-" + c, 1, 1, 1 + waste, waste, 0));
            }
            sites.sort((a, b) -> Long.compare(b.waste(), a.waste()));
            RunStats base = ReportFixtures.runs(1, 1, 2, 0).get(0);
            runs.add(new RunStats(r, "run-" + r, base.point(), 0, r, "ok", null, base.machine(), base.workload(),
                    base.totals(), sites, base.samples()));
        }
        ReportData data = ReportData.of("t", List.of(), runs);

        assertThat(data.topCallSites()).hasSize(ReportData.TOP_CALL_SITES).startsWith("site-99", "site-98");
        List<String> kept0 = data.runs().get(0).callSites().stream().map(RunStats.CallSite::callSite).toList();
        assertThat(kept0).hasSize(ReportData.MAX_CALL_SITES_PER_RUN + ReportData.TOP_CALL_SITES)
                .contains("site-0", "site-39", "site-99", "site-85").doesNotContain("site-40", "site-84");
        assertThat(data.labels()).containsExactly("run-0", "run-1");
    }

    @Test
    void hostileStringsAreEscapedEverywhere() throws Exception {
        String evil = "</script><script>alert(1)</script>\"'&<!--\u2028";
        Map<String, String> point = new LinkedHashMap<>();
        point.put(evil, evil);
        RunStats base = ReportFixtures.runs(1, 1, 3, 0).get(0);
        List<RunStats.CallSite> sites = List.of(new RunStats.CallSite(evil, 1, 2, 3, 1, 0));
        RunStats run = new RunStats(0, evil, point, 0, 1, "failed", evil, base.machine(), base.workload(),
                base.totals(), sites, base.samples());

        String html = HtmlReport.html(evil, List.of(evil), List.of(run));

        assertThat(count(html, "</script>")).isEqualTo(4);
        assertThat(count(html.toLowerCase(), "<script")).isEqualTo(4);
        assertThat(html).doesNotContain("<!--");
        assertThat(data(html)).doesNotContain("\u2028");
        assertThat(html).contains("<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;!--");
        ReportData data = ReportData.fromJson(data(html));
        assertThat(data.title()).isEqualTo(evil);
        assertThat(data.variedKeys()).containsExactly(evil);
        assertThat(data.runs().get(0).point()).containsEntry(evil, evil);
        assertThat(data.runs().get(0).callSites().get(0).callSite()).isEqualTo(evil);
        assertThat(data.runs().get(0).error()).isEqualTo(evil);
        assertThat(data.topCallSites()).containsExactly(evil);
    }

    @Test
    void theHeaderAndTableShowRunsAndFailures() throws Exception {
        List<RunStats> runs = ReportFixtures.runs(3, 1, 10, 1);
        String html = HtmlReport.html("three policies", ReportFixtures.variedKeys(), runs);

        assertThat(html).contains("<title>three policies \u2014 kmemu experiment</title>", "<h1>three policies</h1>",
                "3 runs (2 ok, <span class=\"failed\">1 failed</span>)", "<code>machine.slab.policy</code>",
                "<b>run-002</b>", "machine: boot failed: out of memory");
        assertThat(count(html, "<tr>") + count(html, "<tr class=\"failed\">")).isEqualTo(1 + 3);
        RunStats.Totals t = runs.get(0).totals();
        assertThat(html).contains(String.format(java.util.Locale.ROOT, "%,d", t.bytesRequested()),
                String.format(java.util.Locale.ROOT, "%.2f", t.internalFragmentation() * 100),
                String.format(java.util.Locale.ROOT, "%,d", t.peakFootprintPages()), "no totals");
        // Every row spans the header's columns, the failed run without totals too.
        String table = html.substring(html.indexOf("<table id=\"runs\""), html.indexOf("</table>"));
        int columns = count(table, "<th>") + count(table, "<th title=");
        assertThat(columns).isEqualTo(4 + 2 + 14); // run, the varied keys, repeat, seed, status, 14 totals
        for (String row : table.substring(table.indexOf("<tbody>")).split("</tr>")) {
            if (row.contains("<td")) {
                Matcher span = Pattern.compile("colspan=\"(\\d+)\"").matcher(row);
                int spanned = span.find() ? Integer.parseInt(span.group(1)) - 1 : 0;
                assertThat(count(row, "<td") + spanned).as(row).isEqualTo(columns);
            }
        }
        // 5 charts, and a size-histogram chart and a buddyinfo map for each of the two runs with samples.
        assertThat(html).contains("data-charts-expected=\"9\"");
        assertThat(count(html, "data-chart=\"")).isEqualTo(9);
        assertThat(count(html, "data-chart=\"size-histograms\"")).isEqualTo(2);
    }

    @Test
    void aSweepOf27RunsStaysUnder3MB() throws Exception {
        HtmlReport.write(dir, "27 runs", ReportFixtures.variedKeys(), ReportFixtures.runs(9, 3, 2_000, 0));

        long bytes = Files.size(dir.resolve(HtmlReport.FILE));
        assertThat(bytes).isLessThan(3L << 20);
        assertThat(new String(Files.readAllBytes(dir.resolve(HtmlReport.FILE)), StandardCharsets.UTF_8))
                .contains("data-charts-expected=\"59\""); // 5, and a size chart and a map per run
    }

    static String data(String html) {
        Matcher m = DATA.matcher(html);
        assertThat(m.find()).as("the report-data script").isTrue();
        return m.group(1);
    }

    private static RunStats withoutMiddleZones(RunStats run) {
        List<RunStats.Sample> samples = new ArrayList<>();
        for (int i = 0; i < run.samples().size(); i++) {
            RunStats.Sample s = run.samples().get(i);
            boolean ends = i == 0 || i == run.samples().size() - 1;
            samples.add(ends ? s : new RunStats.Sample(s.events(), s.footprintPages(), s.slabPages(),
                    s.bytesRequested(), s.bytesAllocated(), s.failures(), List.of()));
        }
        return new RunStats(run.run(), run.name(), run.point(), run.repeat(), run.seed(), run.status(), run.error(),
                run.machine(), run.workload(), run.totals(), run.callSites(), samples, run.kernelEvents());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void aMeasureThatWasNotCountedReadsNotApplicableNotMinusOne() {
        List<RunStats> runs = new ArrayList<>(ReportFixtures.runs(1, 2, 4, 0));
        RunStats r = runs.get(0);
        RunStats.Totals t = r.totals();
        RunStats.Totals uncounted = new RunStats.Totals(t.wallSeconds(), t.eventsPerSecond(), t.bytesRequested(),
                t.bytesAllocated(), t.internalFragmentation(), t.slabPages(), t.slabWasteBytes(), t.peakFootprintPages(),
                t.finalFootprintPages(), t.allocFailures(), t.pageAllocFailures(), -1, -1, t.tlbHits(), t.tlbMisses(),
                t.tlbHitRate(), t.pageWalks());
        runs.set(0, new RunStats(r.run(), r.name(), r.point(), r.repeat(), r.seed(), r.status(), r.error(), r.machine(),
                r.workload(), uncounted, r.callSites(), r.samples()));
        String html = HtmlReport.html("na", ReportFixtures.variedKeys(), runs);
        String table = html.substring(html.indexOf("<table id=\"runs\""), html.indexOf("</table>"));
        String[] rows = table.split("</tr>");
        String first = rows[1];
        String second = rows[2];
        assertThat(first).contains("<td class=\"none\" title=\"not counted\">n/a</td>").doesNotContain(">-1<");
        assertThat(count(first, ">n/a<")).as("fallbacks and fragmenting fallbacks").isEqualTo(2);
        assertThat(second).doesNotContain("n/a")
                .contains(">" + String.format(java.util.Locale.ROOT, "%,d", runs.get(1).totals().fallbacks()) + "<");
    }
}
