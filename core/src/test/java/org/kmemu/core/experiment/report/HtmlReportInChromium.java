package org.kmemu.core.experiment.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Opens a report.html in headless Chromium and checks what a reader would see: every chart rendered (the
 * page's {@code data-charts-rendered} equals {@code data-charts-expected}, and each chart container holds
 * an SVG with drawn paths) and nothing went wrong (no line in {@code <pre id="report-errors">}, no console
 * message in Chromium's log). In core's test-jar, for distribution's end-to-end experiment tests too:
 * {@code HtmlReportInChromium.assertRendered(dir.resolve(HtmlReport.FILE))}.
 *
 * <p>Without Chromium (Debian's {@code chromium}; {@code KMEMU_CHROMIUM} names another binary) the check is
 * skipped with a message, unless {@code KMEMU_REQUIRE_CHROMIUM=1} (CI's .ci/run sets it): then it fails.
 */
public final class HtmlReportInChromium {
    /** Virtual time Chromium gives the page's scripts before it dumps the DOM. */
    private static final int VIRTUAL_TIME_MS = 10_000;
    private static final long TIMEOUT_SECONDS = 180;

    private static final Pattern CHART = Pattern.compile("<div class=\"chart[^\"]*\" id=\"([^\"]+)\" data-chart=");
    private static final Pattern EXPECTED = Pattern.compile("data-charts-expected=\"(\\d+)\"");
    private static final Pattern RENDERED = Pattern.compile("data-charts-rendered=\"(\\d+)\"");
    private static final Pattern ERRORS = Pattern.compile("<pre id=\"report-errors\"[^>]*>(.*?)</pre>", Pattern.DOTALL);

    private HtmlReportInChromium() {
    }

    /**
     * What Chromium made of a page.
     *
     * @param dom     the DOM after the scripts ran, serialized
     * @param console the page's console messages from Chromium's log (lines with ":CONSOLE")
     * @param log     Chromium's whole stderr, for failure messages
     */
    public record Page(String dom, List<String> console, String log) {
    }

    /** @return Chromium's binary, if installed: {@code KMEMU_CHROMIUM} if set, else chromium on the PATH */
    public static Optional<Path> chromium() {
        String named = System.getenv("KMEMU_CHROMIUM");
        if (named != null && !named.isBlank()) {
            Path path = Path.of(named);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException("KMEMU_CHROMIUM=" + named + ": not an executable file");
            }
            return Optional.of(path);
        }
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            candidates.add(Path.of(dir, "chromium"));
            candidates.add(Path.of(dir, "chromium-browser"));
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * @return Chromium's binary; skips the calling test (with a message on stderr) when there is none, or
     *         fails it when {@code KMEMU_REQUIRE_CHROMIUM=1}
     */
    public static Path requireChromium() {
        return requireChromium(chromium(), System.getenv("KMEMU_REQUIRE_CHROMIUM"));
    }

    static Path requireChromium(Optional<Path> chromium, String required) {
        if (chromium.isEmpty()) {
            String message = "no chromium on PATH (apt-get install chromium; KMEMU_CHROMIUM names another binary)";
            if ("1".equals(required)) {
                fail("headless Chromium required (KMEMU_REQUIRE_CHROMIUM=1) but " + message);
            }
            System.err.println("SKIPPED: headless Chromium check: " + message);
            Assumptions.abort("headless Chromium check skipped: " + message);
        }
        return chromium.get();
    }

    /**
     * Opens the page in headless Chromium and returns its DOM once the scripts ran.
     *
     * @param html a page on disk
     * @return the DOM and the console messages
     * @throws IOException when Chromium cannot be run or does not finish in time
     */
    public static Page open(Path html) throws IOException, InterruptedException {
        Path chromium = requireChromium();
        Path profile = Files.createTempDirectory("kmemu-chromium-");
        Path out = profile.resolve("dom.html");
        Path err = profile.resolve("stderr.txt");
        try {
            Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile.resolve("profile"),
                    "--window-size=1400,1000", "--virtual-time-budget=" + VIRTUAL_TIME_MS,
                    "--enable-logging=stderr", "--v=0", "--dump-dom",
                    html.toAbsolutePath().toUri().toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(chromium + " did not finish " + html + " in " + TIMEOUT_SECONDS + " s");
            }
            String log = Files.readString(err, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(chromium + " exited " + process.exitValue() + " on " + html + ":\n" + log);
            }
            List<String> console = log.lines().filter(l -> l.contains(":CONSOLE")).toList();
            return new Page(Files.readString(out, StandardCharsets.UTF_8), console, log);
        } finally {
            deleteTree(profile);
        }
    }

    /**
     * Opens the page and asserts that every chart rendered and nothing was reported.
     *
     * @param html a report.html on disk
     * @return the page, for more checks
     */
    public static Page assertRendered(Path html) throws IOException, InterruptedException {
        Page page = open(html);
        String dom = page.dom();
        assertThat(page.console()).as("console messages of %s", html).isEmpty();
        Matcher errors = ERRORS.matcher(dom);
        assertThat(errors.find(Math.max(0, dom.indexOf("<body")))).as("<pre id=\"report-errors\"> in %s", html).isTrue();
        assertThat(errors.group(1)).as("errors the page reported").isEmpty();
        assertThat(dom).doesNotContainPattern("<html[^>]* data-report-errors=");
        Matcher expected = EXPECTED.matcher(dom);
        assertThat(expected.find()).as("data-charts-expected in %s", html).isTrue();
        int charts = Integer.parseInt(expected.group(1));
        assertThat(charts).isPositive();
        Matcher rendered = RENDERED.matcher(dom);
        assertThat(rendered.find()).as("data-charts-rendered set in %s (every chart finished)", html).isTrue();
        assertThat(Integer.parseInt(rendered.group(1))).isEqualTo(charts);
        // Each container's DOM runs from its tag to the next container (or the first script after it).
        Matcher chart = CHART.matcher(dom);
        List<int[]> spans = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        while (chart.find()) {
            spans.add(new int[] {chart.start(), 0});
            ids.add(chart.group(1));
        }
        assertThat(ids).as("chart containers").hasSize(charts);
        for (int i = 0; i < spans.size(); i++) {
            int start = spans.get(i)[0];
            int end = i + 1 < spans.size() ? spans.get(i + 1)[0] : dom.indexOf("<script", start);
            String body = dom.substring(start, end < 0 ? dom.length() : end);
            assertThat(body).as("chart %s has an SVG", ids.get(i)).contains("<svg");
            assertThat(body).as("chart %s drew paths", ids.get(i)).contains("<path");
        }
        return page;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Chromium may still be removing its profile's lock files; a temp folder left behind is harmless.
        }
    }
}
