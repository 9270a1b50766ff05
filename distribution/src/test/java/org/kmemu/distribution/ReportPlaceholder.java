package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * REPORT PLACEHOLDER, the one place the experiment tests tolerate a missing report.html: until the report
 * lands (branch h-report), HtmlReport.write throws UnsupportedOperationException after summary.csv is
 * written. Remove this class, and make its callers expect success, when the report is merged.
 */
final class ReportPlaceholder {
    private ReportPlaceholder() {
    }

    static final String MESSAGE = "report.html is not built yet";

    /** Runs {@code r}; the report's placeholder throwing at its end is accepted. */
    static void tolerate(Runnable r) {
        try {
            r.run();
        } catch (UnsupportedOperationException e) {
            assertThat(e).hasMessage(MESSAGE);
        }
    }

    /** @return whether a {@code ./kmemu experiment} run ended well, or ended on the report's placeholder alone */
    static boolean ok(Launcher.Result r) {
        return r.code() == 0 || r.code() == 1 && r.stderr().contains(MESSAGE);
    }
}
