package org.kmemu.core.experiment.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.core.experiment.RunStats;

/**
 * report.html in headless Chromium (skipped without it unless KMEMU_REQUIRE_CHROMIUM=1): every chart renders
 * and the page reports no error, for a sweep with failed runs, for hostile strings, and for a page whose
 * script breaks (the check must catch that, or it proves nothing).
 */
class HtmlReportBrowserTest {
    @TempDir
    Path dir;

    @Test
    void aSweepWithFailedRunsRendersEveryChart() throws Exception {
        List<RunStats> runs = ReportFixtures.runs(9, 3, 60, 2);
        HtmlReport.write(dir, "slab policies x CPUs", ReportFixtures.variedKeys(), runs);

        HtmlReportInChromium.Page page = HtmlReportInChromium.assertRendered(dir.resolve(HtmlReport.FILE));

        // 5 charts, one buddyinfo map per run that has samples (the run that failed at boot has none), and one
        // size-histogram chart per ok run (25: the two failed runs have no kernel events).
        assertThat(page.dom()).contains("data-charts-rendered=\"" + (5 + 26 + 25) + "\"");
        assertThat(page.dom()).contains("id=\"chart-size-histograms-24\"").doesNotContain("id=\"chart-size-histograms-25\"")
                .contains("bytes_alloc", "vmalloc_size", "bytes (log2 bucket)");
        assertThat(page.dom()).contains("id=\"chart-buddyinfo-25\"").doesNotContain("id=\"chart-buddyinfo-26\"");
        // The script drew what the data says: legends name runs by their varied values, axes are in pages/orders.
        assertThat(page.dom()).contains("policy=slob, cpus=4 #2", "pages in use", "Node 0, zone Normal",
                "alloc_inode+0x1b/0xa0");
    }

    @Test
    void hostileStringsNeitherBreakThePageNorRun() throws Exception {
        String evil = "</script><script>document.title='pwned'</script>\"'&<!--";
        List<RunStats> runs = new ArrayList<>();
        for (RunStats r : ReportFixtures.runs(2, 1, 10, 0)) {
            Map<String, String> point = new LinkedHashMap<>();
            point.put("key." + evil, evil + r.run());
            List<RunStats.CallSite> sites = new ArrayList<>(r.callSites());
            sites.add(0, new RunStats.CallSite(evil, 1, 1, 1_000_000, 999_999, 0));
            runs.add(new RunStats(r.run(), r.name(), point, r.repeat(), r.seed(), r.status(), evil, r.machine(),
                    r.workload(), r.totals(), sites, r.samples()));
        }
        HtmlReport.write(dir, evil, List.of("key." + evil), runs);

        HtmlReportInChromium.Page page = HtmlReportInChromium.assertRendered(dir.resolve(HtmlReport.FILE));

        // Had the injected script run, it would have renamed the document.
        assertThat(page.dom()).doesNotContain("<title>pwned").contains("<title>&lt;/script&gt;&lt;script&gt;")
                .contains("<h1>&lt;/script&gt;&lt;script&gt;");
    }

    @Test
    void anExperimentWhoseRunsAllFailedStillRendersItsCharts() throws Exception {
        // One run that failed at boot: no totals, no samples, no call sites; the charts draw empty axes.
        List<RunStats> runs = ReportFixtures.runs(1, 1, 10, 1);
        HtmlReport.write(dir, "nothing booted", ReportFixtures.variedKeys(), runs);

        HtmlReportInChromium.Page page = HtmlReportInChromium.assertRendered(dir.resolve(HtmlReport.FILE));

        assertThat(page.dom()).contains("data-charts-rendered=\"5\"", "machine: boot failed: out of memory");
    }

    @Test
    void theCheckCatchesAPageThatFailsToDraw() throws Exception {
        HtmlReport.write(dir, "broken", ReportFixtures.variedKeys(), ReportFixtures.runs(3, 1, 10, 0));
        Path html = dir.resolve(HtmlReport.FILE);
        // The data loses a field the script reads: one chart throws, the page reports it.
        String page = Files.readString(html).replace("\"topCallSites\":", "\"renamedCallSites\":");
        Files.writeString(html, page);

        HtmlReportInChromium.Page opened = HtmlReportInChromium.open(html);

        assertThat(opened.dom()).contains("chart chart-call-site-waste").doesNotContain("data-charts-rendered=");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HtmlReportInChromium.assertRendered(html))
                .isInstanceOf(AssertionError.class);
    }
}
