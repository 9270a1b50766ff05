package org.kmemu.core.experiment.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;

/**
 * ECharts, read from its WebJar's files on the class path (core's build unpacks the minified bundle and the
 * WebJar's pom.properties into its classes) so that report.html can inline it and work offline.
 */
final class ChartLibrary {
    private static final String POM_PROPERTIES = "META-INF/maven/org.webjars.npm/echarts/pom.properties";
    private static final String BUNDLE = "META-INF/resources/webjars/echarts/%s/dist/echarts.min.js";

    /** Read once: 1 MB that every report inlines. */
    private static volatile String source;

    private ChartLibrary() {
    }

    /** @return the ECharts bundle's JavaScript, safe to place inside a {@code <script>} element */
    static String javaScript() {
        String js = source;
        if (js == null) {
            js = load();
            source = js;
        }
        return js;
    }

    /** @return the bundled ECharts version, e.g. "5.3.1" */
    static String version() {
        Properties pom = new Properties();
        try (InputStream in = open(POM_PROPERTIES)) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(POM_PROPERTIES + ": " + e.getMessage(), e);
        }
        String version = pom.getProperty("version");
        if (version == null) {
            throw new IllegalStateException(POM_PROPERTIES + ": no version");
        }
        return version;
    }

    private static String load() {
        String path = String.format(Locale.ROOT, BUNDLE, version());
        String js;
        try (InputStream in = open(path)) {
            js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
        // A script element ends at the first "</script" whatever the JavaScript around it means, and "<!--"
        // changes how the parser looks for that end (HTML Standard, "script data escaped state"). The
        // bundle has neither; a future version that does must be escaped deliberately, not silently.
        String lower = js.toLowerCase(Locale.ROOT);
        if (lower.contains("</script") || lower.contains("<!--")) {
            throw new IllegalStateException(path + ": contains </script or <!--, cannot be inlined as is");
        }
        return js;
    }

    private static InputStream open(String path) throws IOException {
        InputStream in = ChartLibrary.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IOException("not on the class path (core's build unpacks it from the echarts WebJar)");
        }
        return in;
    }
}
