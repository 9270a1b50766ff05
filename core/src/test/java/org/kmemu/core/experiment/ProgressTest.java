package org.kmemu.core.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static RunStats run(String status, String error) {
        return new RunStats(3, "run-003", Map.of("kmemu.cpus", "2"), 0, 1, status, error, null, null, null, List.of(), List.of());
    }

    @Test
    void quietSaysOnlyAFailedRunsError() {
        StringWriter w = new StringWriter();
        Progress p = Progress.quiet(new PrintWriter(w));
        p.start(4, 2);
        p.events(1000);
        p.runDone(run("ok", null));
        p.runDone(run("failed", "IllegalStateException: boom"));
        p.end();
        assertThat(w.toString()).isEqualTo("kmemu: experiment: run-003 {kmemu.cpus=2} failed: IllegalStateException: boom\n");
    }

    @Test
    void theTerminalLineLeavesNothingBehindButErrors() {
        StringWriter w = new StringWriter();
        Progress p = Progress.terminal(new PrintWriter(w));
        p.start(1, 1);
        p.runDone(run("failed", "boom"));
        p.end();
        // Whatever the ticker wrote, each updating line is rubbed out ("\r" + spaces + "\r") before the error and at the end.
        String text = w.toString().replaceAll("\r[^\r\n]*\r", "").replaceAll("\r[^\r\n]*$", "");
        assertThat(text).isEqualTo("kmemu: experiment: run-003 {kmemu.cpus=2} failed: boom\n");
    }
}
