package org.kmemu.core.experiment.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** Without Chromium the browser checks skip, unless CI requires the browser: then they fail. */
class HtmlReportInChromiumTest {
    @Test
    void aMissingBrowserSkipsTheCheck() {
        assertThatThrownBy(() -> HtmlReportInChromium.requireChromium(Optional.empty(), null))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("skipped: no chromium on PATH");
        assertThatThrownBy(() -> HtmlReportInChromium.requireChromium(Optional.empty(), "0"))
                .isInstanceOf(TestAbortedException.class);
    }

    @Test
    void aMissingBrowserFailsWhenRequired() {
        assertThatThrownBy(() -> HtmlReportInChromium.requireChromium(Optional.empty(), "1"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("KMEMU_REQUIRE_CHROMIUM=1");
    }

    @Test
    void aFoundBrowserIsUsed() {
        assertThat(HtmlReportInChromium.requireChromium(Optional.of(Path.of("/usr/bin/chromium")), "1"))
                .isEqualTo(Path.of("/usr/bin/chromium"));
    }
}
